package io.egressaudit.controller;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.ObjectRef;
import io.egressaudit.correlator.PodState;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;

/**
 * Turns the objects of one file, one at a time, into correlator objects: checks {@code kind},
 * {@code apiVersion} and {@code metadata}, converts to the typed fabric8 model, then through {@link
 * KubernetesObjects}; counts skipped kinds and rejects duplicates. Every error becomes a {@link
 * ClusterStateFileException} naming the file, the line and column of the offending field (the line
 * the object starts at when the field is missing or the problem is the whole object), where it is
 * (document, item), the object and the field.
 */
final class ClusterStateCollector {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** The label Kubernetes sets on every namespace to its name. */
  static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

  private final Path file;
  private final List<ClusterObject> objects = new ArrayList<>();
  private final Map<ObjectRef, String> seen = new HashMap<>();
  private final Map<String, Integer> skipped = new LinkedHashMap<>();

  /** A field path at the start of a message: {@code status.addresses[1].address: ...}. */
  private static final Pattern LEADING_FIELD =
      Pattern.compile("^[A-Za-z_$][\\w$-]*(?:\\.[A-Za-z_$][\\w$-]*|\\[[^\\]]*])*(?=[: ])");

  /** Where the fields of the object being added are; none between objects. */
  private Function<String, TokenStreamLocation> fields = path -> null;

  ClusterStateCollector(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  /**
   * Adds one object.
   *
   * @param node the object's tree
   * @param where {@code document 2} or {@code document 1, items[4]}
   * @param line the line the object starts at
   * @param fields where a field of the object (a path such as {@code status.addresses[1].address})
   *     starts in the file, or null when it is not known
   */
  void add(JsonNode node, String where, int line, Function<String, TokenStreamLocation> fields) {
    this.fields = fields;
    try {
      add(node, where, line);
    } finally {
      this.fields = path -> null;
    }
  }

  private void add(JsonNode node, String where, int line) {
    if (!node.isObject()) {
      throw fail(line, where, "not a mapping (found " + shape(node) + ")");
    }
    requireStringIfPresent(node, "kind", line, where);
    requireStringIfPresent(node, "apiVersion", line, where);
    String kind = text(node.get("kind"));
    if (kind == null) {
      throw fail(line, where, "kind is missing");
    }
    ObjectKind objectKind = ObjectKind.fromKind(kind);
    if (objectKind == null) {
      String typo = SkippedKinds.problem(kind, text(node.get("apiVersion")));
      if (typo != null) {
        throw fail(line, where + " (" + describe(kind, null, node) + ")", typo);
      }
      skipped.merge("kind " + kind, 1, Integer::sum);
      return;
    }
    String apiVersion = text(node.get("apiVersion"));
    String context = where + " (" + describe(kind, objectKind, node) + ")";
    if (apiVersion == null) {
      throw fail(line, context, "apiVersion is missing");
    }
    JsonNode metadata = node.get("metadata");
    if (metadata != null && !metadata.isObject() && !metadata.isNull()) {
      throw fail(line, context, "metadata: expected a mapping, found " + shape(metadata));
    }
    if (!apiVersion.equals(KubernetesObjects.apiVersion(objectKind))) {
      skipped.merge("kind " + kind + " (apiVersion " + apiVersion + ")", 1, Integer::sum);
      return;
    }
    ClusterObject object = convert(objectKind, node, line, context);
    String previous = seen.putIfAbsent(object.ref(), where + " (line " + line + ")");
    if (previous != null) {
      throw fail(line, context, "duplicate: the same " + kind + " is already at " + previous);
    }
    objects.add(object);
  }

  /**
   * The objects read.
   *
   * @param anyDocument whether the file had at least one non-empty document
   * @throws ClusterStateFileException when there is no object to import
   */
  LoadedClusterState result(boolean anyDocument) {
    List<String> notes = new ArrayList<>();
    skipped.forEach(
        (what, count) ->
            notes.add("skipped " + count + (count == 1 ? " object of " : " objects of ") + what));
    if (!anyDocument) {
      throw new ClusterStateFileException(file, 0, 0, "empty file: no objects", null);
    }
    if (objects.isEmpty()) {
      String why = notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")";
      throw new ClusterStateFileException(
          file, 0, 0, "no Node, Namespace, Pod or EgressIP objects" + why, null);
    }
    notes.addAll(missingNamespaces());
    return new LoadedClusterState(objects, notes);
  }

  /**
   * Warnings about namespaces that pods are in, or that EgressIP selectors name ({@value
   * #NAMESPACE_NAME_LABEL}), but that the file has no Namespace object for: a dump taken without
   * {@code namespaces}. No namespaceSelector can match such a namespace, so its pods count as
   * leaving with their node IP even when an EgressIP should carry them.
   */
  private List<String> missingNamespaces() {
    Set<String> present = new HashSet<>();
    for (ClusterObject o : objects) {
      if (o instanceof NamespaceState ns) {
        present.add(ns.name());
      }
    }
    TreeSet<String> ofPods = new TreeSet<>();
    Map<String, TreeSet<String>> bySelector = new TreeMap<>();
    for (ClusterObject o : objects) {
      if (o instanceof PodState p && !present.contains(p.namespace())) {
        ofPods.add(p.namespace());
      } else if (o instanceof EgressIpState e && e.namespaceSelector() != null) {
        for (String named : namesSelected(e.namespaceSelector())) {
          if (!present.contains(named)) {
            bySelector.computeIfAbsent(e.name(), k -> new TreeSet<>()).add(named);
          }
        }
      }
    }
    List<String> notes = new ArrayList<>();
    if (!ofPods.isEmpty()) {
      List<String> names = new ArrayList<>(ofPods);
      notes.add(
          "no Namespace object for "
              + names.size()
              + (names.size() == 1 ? " namespace" : " namespaces")
              + " that pods are in ("
              + String.join(", ", names.size() > 10 ? names.subList(0, 10) : names)
              + (names.size() > 10 ? ", ..." : "")
              + "): no EgressIP can select their pods, so whois counts them as leaving with"
              + " their node IP; dump namespaces too (kubectl get"
              + " nodes,namespaces,pods,egressips -A)");
    }
    bySelector.forEach(
        (egressIp, names) ->
            notes.add(
                "EgressIP "
                    + egressIp
                    + " selects namespace"
                    + (names.size() == 1 ? " " : "s ")
                    + String.join(", ", names)
                    + " by name, and the file has no Namespace object for "
                    + (names.size() == 1 ? "it" : "them")));
    return notes;
  }

  /** The namespace names a selector asks for with {@value #NAMESPACE_NAME_LABEL}. */
  private static List<String> namesSelected(LabelSelector selector) {
    List<String> names = new ArrayList<>();
    String label = selector.matchLabels().get(NAMESPACE_NAME_LABEL);
    if (label != null) {
      names.add(label);
    }
    for (LabelSelector.Requirement r : selector.matchExpressions()) {
      if (r.key().equals(NAMESPACE_NAME_LABEL) && r.operator() == LabelSelector.Operator.IN) {
        names.addAll(r.values());
      }
    }
    return names;
  }

  private ClusterObject convert(ObjectKind kind, JsonNode node, int line, String context) {
    try {
      return switch (kind) {
        case NODE -> KubernetesObjects.node(SERIALIZATION.convertValue(node, Node.class));
        case NAMESPACE ->
            KubernetesObjects.namespace(SERIALIZATION.convertValue(node, Namespace.class));
        case POD -> KubernetesObjects.pod(SERIALIZATION.convertValue(node, Pod.class));
        case EGRESS_IP ->
            KubernetesObjects.egressIp(
                SERIALIZATION.convertValue(node, GenericKubernetesResource.class));
      };
    } catch (InvalidClusterObjectException e) {
      throw fail(line, context, e.detail(), e);
    } catch (RuntimeException e) {
      JacksonException jackson = jacksonCause(e);
      if (jackson == null) {
        throw fail(line, context, "cannot read " + kind + ": " + e, e);
      }
      throw fail(line, context, fieldPath(jackson) + mismatch(jackson.getOriginalMessage()), e);
    }
  }

  private static final java.util.regex.Pattern SCALAR_FOR_OBJECT =
      java.util.regex.Pattern.compile(
          "Cannot construct instance of .*no \\w+-argument constructor/factory method to"
              + " deserialize from (\\w+) value \\((.*)\\)",
          java.util.regex.Pattern.DOTALL);

  /**
   * Jackson's message, with its most common one for a dump, a scalar where a mapping belongs
   * ({@code Cannot construct instance of `io.fabric8...NodeStatus` (although at least one Creator
   * exists): no String-argument constructor ...}), said in the dump's terms.
   */
  private static String mismatch(String message) {
    java.util.regex.Matcher m = SCALAR_FOR_OBJECT.matcher(String.valueOf(message));
    if (m.find()) {
      String type = m.group(1).toLowerCase(java.util.Locale.ROOT);
      return "expected a mapping, found "
          + ("string".equals(type) ? "" : "the " + type + " ")
          + firstLine(m.group(2));
    }
    return firstLine(message);
  }

  private static JacksonException jacksonCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof JacksonException j) {
        return j;
      }
    }
    return null;
  }

  /** {@code spec.containers[0].ports: } from a Jackson path, or nothing when there is no path. */
  private static String fieldPath(JacksonException e) {
    StringBuilder sb = new StringBuilder();
    for (JacksonException.Reference r : e.getPath()) {
      if (r.getPropertyName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(r.getPropertyName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? "" : sb + ": ";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "invalid value";
    }
    String first = message.strip().split("\\R", 2)[0];
    return first.length() <= 200 ? first : first.substring(0, 197) + "...";
  }

  private static String describe(String kind, ObjectKind objectKind, JsonNode node) {
    JsonNode meta = node.get("metadata");
    String name = meta == null ? null : text(meta.get("name"));
    String namespace = meta == null ? null : text(meta.get("namespace"));
    if (name == null || name.isEmpty()) {
      return kind;
    }
    if (objectKind == ObjectKind.POD && namespace != null && !namespace.isEmpty()) {
      return kind + " " + namespace + "/" + name;
    }
    return kind + " " + name;
  }

  /** A field that must be text, such as {@code kind: 5}: named as it is rather than as missing. */
  private void requireStringIfPresent(JsonNode node, String field, int line, String where) {
    JsonNode value = node.get(field);
    if (value != null && !value.isNull() && !value.isString()) {
      throw fail(line, where, field + ": expected a string, found " + shape(value));
    }
  }

  private static String text(JsonNode node) {
    return node != null && node.isString() ? node.asString() : null;
  }

  /**
   * How a value looks, for messages: {@code a list}, {@code a mapping}, {@code null}, or the quoted
   * scalar.
   */
  static String shape(JsonNode node) {
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isNull()) {
      return "null";
    }
    return "'" + KubernetesObjects.abbreviate(node.asString()) + "'";
  }

  private ClusterStateFileException fail(int line, String context, String detail) {
    return fail(line, context, detail, null);
  }

  /**
   * The error, at the line and column of the field the detail starts with when the object has it,
   * else at the object's line.
   */
  private ClusterStateFileException fail(int line, String context, String detail, Throwable cause) {
    Matcher field = LEADING_FIELD.matcher(detail);
    TokenStreamLocation at = field.find() ? fields.apply(field.group()) : null;
    if (at != null && at.getLineNr() > 0) {
      return new ClusterStateFileException(
          file, at.getLineNr(), at.getColumnNr(), context + ": " + detail, cause);
    }
    return new ClusterStateFileException(file, line, 0, context + ": " + detail, cause);
  }
}
