package io.egressaudit.controller;

import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.PodState;
import io.egressaudit.correlator.SourceIp;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Converts fabric8 model objects into the correlator's model. This is the one conversion path: dump
 * files ({@link ClusterStateFile}) and informers both go through it, so a field means the same
 * wherever the object came from.
 *
 * <p>Every IP is canonicalised with {@link SourceIp}. Every method throws {@link
 * InvalidClusterObjectException} naming the object and the field when a required field is missing
 * ({@code metadata.name}; {@code metadata.namespace} of a pod) or a value is invalid (an IP field
 * that is not an IP literal, a label selector with an unknown operator).
 */
public final class KubernetesObjects {

  /**
   * The OVN-Kubernetes node annotation holding the primary interface's address(es), such as {@code
   * {"ipv4":"192.168.126.51/24"}}; egress traffic that is not carried by an egress IP is SNATed to
   * it.
   */
  public static final String NODE_PRIMARY_IFADDR_ANNOTATION = "k8s.ovn.org/node-primary-ifaddr";

  /**
   * The OVN-Kubernetes node annotation listing the host's addresses with their prefix length, such
   * as {@code ["192.168.126.51/24"]}: the subnets an egress IP the node hosts can be in.
   */
  public static final String NODE_HOST_CIDRS_ANNOTATION = "k8s.ovn.org/host-cidrs";

  /** The {@code apiVersion} of OVN-Kubernetes {@code EgressIP} objects. */
  public static final String EGRESS_IP_API_VERSION = "k8s.ovn.org/v1";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private KubernetesObjects() {}

  /**
   * The {@code apiVersion} that objects of a kind carry: {@code v1} for nodes, namespaces and pods,
   * {@code k8s.ovn.org/v1} for EgressIPs.
   *
   * @param kind the kind
   * @return the apiVersion
   */
  public static String apiVersion(ObjectKind kind) {
    return kind == ObjectKind.EGRESS_IP ? EGRESS_IP_API_VERSION : "v1";
  }

  /**
   * Converts a node.
   *
   * <p>Addresses: {@code status.addresses} of type {@code InternalIP} and {@code ExternalIP} (other
   * types, such as {@code Hostname}, are ignored), then the {@code ipv4} and {@code ipv6} entries
   * of the {@value #NODE_PRIMARY_IFADDR_ANNOTATION} annotation without their prefix length;
   * canonical, in that order, without duplicates. Ready: the condition {@code Ready} has status
   * {@code True}. Subnets: the entries of {@value #NODE_PRIMARY_IFADDR_ANNOTATION} that carry a
   * prefix length, then those of {@value #NODE_HOST_CIDRS_ANNOTATION} (a JSON array of CIDRs),
   * canonical address and prefix, without duplicates.
   *
   * @param node the node
   * @return its state
   * @throws InvalidClusterObjectException when the name is missing, an address is not an IP
   *     literal, or the annotation is not a JSON object of addresses
   */
  public static NodeState node(Node node) {
    String object = describe("Node", node.getMetadata(), false);
    ObjectMeta meta = requireMeta(object, node.getMetadata(), false);
    Set<String> addresses = new LinkedHashSet<>();
    List<NodeAddress> statusAddresses =
        node.getStatus() == null ? null : node.getStatus().getAddresses();
    if (statusAddresses != null) {
      for (int i = 0; i < statusAddresses.size(); i++) {
        NodeAddress a = statusAddresses.get(i);
        if (a != null && ("InternalIP".equals(a.getType()) || "ExternalIP".equals(a.getType()))) {
          addresses.add(ip(object, "status.addresses[" + i + "].address", a.getAddress()));
        }
      }
    }
    Map<String, String> annotations = meta.getAnnotations();
    Set<String> subnets = new LinkedHashSet<>();
    if (annotations != null && annotations.get(NODE_PRIMARY_IFADDR_ANNOTATION) != null) {
      for (String cidr : primaryIfAddr(object, annotations.get(NODE_PRIMARY_IFADDR_ANNOTATION))) {
        int slash = cidr.indexOf('/');
        addresses.add(slash >= 0 ? cidr.substring(0, slash) : cidr);
        if (slash >= 0) {
          subnets.add(cidr);
        }
      }
    }
    if (annotations != null && annotations.get(NODE_HOST_CIDRS_ANNOTATION) != null) {
      subnets.addAll(hostCidrs(object, annotations.get(NODE_HOST_CIDRS_ANNOTATION)));
    }
    boolean ready = false;
    List<NodeCondition> conditions =
        node.getStatus() == null ? null : node.getStatus().getConditions();
    if (conditions != null) {
      for (NodeCondition c : conditions) {
        if (c != null && "Ready".equals(c.getType()) && "True".equals(c.getStatus())) {
          ready = true;
        }
      }
    }
    return new NodeState(
        meta.getName(), List.copyOf(addresses), labels(object, meta), ready, List.copyOf(subnets));
  }

  /**
   * Converts a namespace: its name and {@code metadata.labels}.
   *
   * @param namespace the namespace
   * @return its state
   * @throws InvalidClusterObjectException when the name is missing
   */
  public static NamespaceState namespace(Namespace namespace) {
    String object = describe("Namespace", namespace.getMetadata(), false);
    ObjectMeta meta = requireMeta(object, namespace.getMetadata(), false);
    return new NamespaceState(meta.getName(), labels(object, meta));
  }

  /**
   * Converts a pod. Pod IPs: {@code status.podIPs[].ip}, or {@code status.podIP} when {@code
   * podIPs} is empty; node: {@code spec.nodeName} (null when blank); {@code spec.hostNetwork},
   * {@code metadata.labels} and {@code status.phase} as they are.
   *
   * @param pod the pod
   * @return its state
   * @throws InvalidClusterObjectException when the name or namespace is missing or a pod IP is not
   *     an IP literal
   */
  public static PodState pod(Pod pod) {
    String object = describe("Pod", pod.getMetadata(), true);
    ObjectMeta meta = requireMeta(object, pod.getMetadata(), true);
    PodSpec spec = pod.getSpec();
    PodStatus status = pod.getStatus();
    List<String> ips = new ArrayList<>();
    if (status != null && status.getPodIPs() != null && !status.getPodIPs().isEmpty()) {
      List<PodIP> podIps = status.getPodIPs();
      for (int i = 0; i < podIps.size(); i++) {
        String field = "status.podIPs[" + i + "].ip";
        String ip = ip(object, field, podIps.get(i) == null ? null : podIps.get(i).getIp());
        if (!ips.contains(ip)) {
          ips.add(ip);
        }
      }
    } else if (status != null && status.getPodIP() != null && !status.getPodIP().isBlank()) {
      ips.add(ip(object, "status.podIP", status.getPodIP()));
    }
    String nodeName = spec == null ? null : spec.getNodeName();
    if (nodeName != null && nodeName.isBlank()) {
      nodeName = null;
    }
    boolean hostNetwork = spec != null && Boolean.TRUE.equals(spec.getHostNetwork());
    String phase = status == null ? null : status.getPhase();
    return new PodState(
        meta.getNamespace(),
        meta.getName(),
        nodeName,
        ips,
        hostNetwork,
        labels(object, meta),
        phase);
  }

  /**
   * Converts an OVN-Kubernetes {@code EgressIP} ({@code k8s.ovn.org/v1}, cluster-scoped) read as a
   * generic resource, such as a dump file's object or an informer's: the resource is converted to
   * the typed {@link EgressIP} with fabric8's serialization (fields this project does not read are
   * ignored), then read as {@link #egressIp(EgressIP)} reads it.
   *
   * @param egressIp the object; {@code kind} and {@code apiVersion}, when set, must be {@code
   *     EgressIP} and {@code k8s.ovn.org/v1}
   * @return its state
   * @throws InvalidClusterObjectException when the name or {@code spec} is missing, a field has the
   *     wrong shape (such as {@code spec.egressIPs: expected a list, found '192.168.126.100'}), an
   *     IP is not an IP literal or a selector operator is unknown, such as {@code EgressIP
   *     egressip-demo: spec.egressIPs[0]: not an IP address: 'foo'}
   */
  public static EgressIpState egressIp(GenericKubernetesResource egressIp) {
    String object = describe("EgressIP", egressIp.getMetadata(), false);
    requireMeta(object, egressIp.getMetadata(), false);
    checkKind(object, egressIp.getKind(), egressIp.getApiVersion());
    EgressIP typed;
    try {
      typed = SERIALIZATION.convertValue(egressIp, EgressIP.class);
    } catch (IllegalArgumentException | JacksonException e) {
      throw EgressIpShapes.failure(object, egressIp, e);
    }
    return egressIp(typed);
  }

  /**
   * Converts a typed OVN-Kubernetes {@code EgressIP}: {@code spec.egressIPs} (canonicalised,
   * duplicates dropped), {@code spec.namespaceSelector} and {@code spec.podSelector} (each with
   * {@code matchLabels} and {@code matchExpressions}; an absent selector is null, {@code {}}
   * selects everything), and {@code status.items[]} with {@code egressIP} and {@code node} (an
   * absent status means nothing is assigned).
   *
   * @param egressIp the object
   * @return its state
   * @throws InvalidClusterObjectException when the name or {@code spec} is missing, an IP is not an
   *     IP literal, a status item has no node, or a selector has a null label value, an unknown
   *     operator or values that do not fit its operator
   */
  public static EgressIpState egressIp(EgressIP egressIp) {
    String object = describe("EgressIP", egressIp.getMetadata(), false);
    ObjectMeta meta = requireMeta(object, egressIp.getMetadata(), false);
    checkKind(object, egressIp.getKind(), egressIp.getApiVersion());
    EgressIP.Spec spec = egressIp.getSpec();
    if (spec == null) {
      throw new InvalidClusterObjectException(object, "spec is missing");
    }
    List<String> egressIps = new ArrayList<>();
    if (spec.egressIPs() != null) {
      for (int i = 0; i < spec.egressIPs().size(); i++) {
        String ip = ip(object, "spec.egressIPs[" + i + "]", spec.egressIPs().get(i));
        if (!egressIps.contains(ip)) {
          egressIps.add(ip);
        }
      }
    }
    LabelSelector namespaceSelector =
        selector(object, spec.namespaceSelector(), "spec.namespaceSelector");
    LabelSelector podSelector = selector(object, spec.podSelector(), "spec.podSelector");
    List<EgressIpAssignment> assignments = new ArrayList<>();
    EgressIP.Status status = egressIp.getStatus();
    if (status != null && status.items() != null) {
      for (int i = 0; i < status.items().size(); i++) {
        String field = "status.items[" + i + "]";
        EgressIP.Item item = status.items().get(i);
        if (item == null) {
          throw new InvalidClusterObjectException(object, field + " is missing");
        }
        String ip = ip(object, field + ".egressIP", item.egressIP());
        if (item.node() == null || item.node().isEmpty()) {
          throw new InvalidClusterObjectException(object, field + ".node is missing");
        }
        assignments.add(new EgressIpAssignment(ip, item.node()));
      }
    }
    return new EgressIpState(
        meta.getName(), egressIps, namespaceSelector, podSelector, assignments);
  }

  private static void checkKind(String object, String kind, String apiVersion) {
    if (kind != null && !"EgressIP".equals(kind)) {
      throw new InvalidClusterObjectException(
          object, "kind: expected EgressIP, found '" + abbreviate(kind) + "'");
    }
    if (apiVersion != null && !EGRESS_IP_API_VERSION.equals(apiVersion)) {
      throw new InvalidClusterObjectException(
          object,
          "apiVersion: expected "
              + EGRESS_IP_API_VERSION
              + ", found '"
              + abbreviate(apiVersion)
              + "'");
    }
  }

  /** A {@code metav1.LabelSelector} in the correlator's terms; null when the field is absent. */
  private static LabelSelector selector(
      String object, io.fabric8.kubernetes.api.model.LabelSelector selector, String field) {
    if (selector == null) {
      return null;
    }
    Map<String, String> matchLabels = new LinkedHashMap<>();
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (e.getValue() == null) {
          throw new InvalidClusterObjectException(
              object, field + ".matchLabels." + e.getKey() + ": expected a string, found null");
        }
        matchLabels.put(e.getKey(), e.getValue());
      }
    }
    List<LabelSelector.Requirement> requirements = new ArrayList<>();
    List<LabelSelectorRequirement> expressions = selector.getMatchExpressions();
    if (expressions != null) {
      for (int i = 0; i < expressions.size(); i++) {
        requirements.add(
            requirement(object, expressions.get(i), field + ".matchExpressions[" + i + "]"));
      }
    }
    return new LabelSelector(matchLabels, requirements);
  }

  private static LabelSelector.Requirement requirement(
      String object, LabelSelectorRequirement expression, String field) {
    if (expression == null) {
      throw new InvalidClusterObjectException(object, field + " is missing");
    }
    if (expression.getKey() == null || expression.getKey().isEmpty()) {
      throw new InvalidClusterObjectException(object, field + ".key is missing");
    }
    String spelling = expression.getOperator();
    if (spelling == null) {
      throw new InvalidClusterObjectException(object, field + ".operator is missing");
    }
    LabelSelector.Operator operator;
    try {
      operator = LabelSelector.Operator.fromSpelling(spelling);
    } catch (IllegalArgumentException e) {
      throw new InvalidClusterObjectException(object, field + ".operator: " + e.getMessage());
    }
    List<String> values = new ArrayList<>();
    if (expression.getValues() != null) {
      for (int i = 0; i < expression.getValues().size(); i++) {
        String v = expression.getValues().get(i);
        if (v == null) {
          throw new InvalidClusterObjectException(
              object, field + ".values[" + i + "]: expected a string, found null");
        }
        values.add(v);
      }
    }
    boolean setBased =
        operator == LabelSelector.Operator.IN || operator == LabelSelector.Operator.NOT_IN;
    if (setBased && values.isEmpty()) {
      throw new InvalidClusterObjectException(
          object, field + ".values: must not be empty for operator " + spelling);
    }
    if (!setBased && !values.isEmpty()) {
      throw new InvalidClusterObjectException(
          object, field + ".values: must be empty for operator " + spelling);
    }
    return new LabelSelector.Requirement(expression.getKey(), operator, values);
  }

  /**
   * {@code metadata.labels}, refused when a value is null ({@code team: null} or {@code team:} in
   * YAML): Kubernetes label values are strings, and a null would fail later without a name.
   */
  private static Map<String, String> labels(String object, ObjectMeta meta) {
    Map<String, String> labels = meta.getLabels();
    if (labels != null) {
      for (Map.Entry<String, String> e : labels.entrySet()) {
        if (e.getValue() == null) {
          throw new InvalidClusterObjectException(
              object,
              "metadata.labels."
                  + abbreviate(String.valueOf(e.getKey()))
                  + ": null; a label value is a string (write '' for an empty one)");
        }
      }
    }
    return labels;
  }

  /** Canonical IP text of a field, or an exception naming the object and the field. */
  static String ip(String object, String field, String text) {
    if (text == null) {
      throw new InvalidClusterObjectException(object, field + " is missing");
    }
    return SourceIp.parse(text)
        .orElseThrow(
            () ->
                new InvalidClusterObjectException(
                    object, field + ": not an IP address: '" + abbreviate(text) + "'"));
  }

  static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }

  /**
   * {@code Kind name}, {@code Kind namespace/name} for namespaced kinds, {@code Kind} alone without
   * a name.
   */
  static String describe(String kind, ObjectMeta meta, boolean namespaced) {
    if (meta == null || meta.getName() == null || meta.getName().isEmpty()) {
      return kind;
    }
    if (namespaced && meta.getNamespace() != null && !meta.getNamespace().isEmpty()) {
      return kind + " " + meta.getNamespace() + "/" + meta.getName();
    }
    return kind + " " + meta.getName();
  }

  private static ObjectMeta requireMeta(String object, ObjectMeta meta, boolean namespaced) {
    if (meta == null) {
      throw new InvalidClusterObjectException(object, "metadata is missing");
    }
    if (meta.getName() == null || meta.getName().isEmpty()) {
      throw new InvalidClusterObjectException(object, "metadata.name is missing");
    }
    if (namespaced && (meta.getNamespace() == null || meta.getNamespace().isEmpty())) {
      throw new InvalidClusterObjectException(object, "metadata.namespace is missing");
    }
    return meta;
  }

  private static List<String> primaryIfAddr(String object, String value) {
    String field = "metadata.annotations[" + NODE_PRIMARY_IFADDR_ANNOTATION + "]";
    JsonNode json;
    try {
      json = JSON.readTree(value);
    } catch (JacksonException e) {
      json = null;
    }
    if (json == null || !json.isObject()) {
      throw new InvalidClusterObjectException(
          object, field + ": not a JSON object: '" + abbreviate(value) + "'");
    }
    List<String> result = new ArrayList<>();
    for (String family : List.of("ipv4", "ipv6")) {
      JsonNode cidr = json.get(family);
      if (cidr == null || cidr.isNull()) {
        continue;
      }
      if (!cidr.isString()) {
        throw new InvalidClusterObjectException(
            object,
            field + "." + family + ": not an IP address: '" + abbreviate(cidr.toString()) + "'");
      }
      String text = cidr.asString();
      String canonical = cidr(text);
      if (canonical == null) {
        throw new InvalidClusterObjectException(
            object, field + "." + family + ": not an IP address: '" + abbreviate(text) + "'");
      }
      result.add(canonical);
    }
    return result;
  }

  /** The CIDRs of a {@code k8s.ovn.org/host-cidrs} annotation, canonical. */
  private static List<String> hostCidrs(String object, String value) {
    String field = "metadata.annotations[" + NODE_HOST_CIDRS_ANNOTATION + "]";
    JsonNode json;
    try {
      json = JSON.readTree(value);
    } catch (JacksonException e) {
      json = null;
    }
    if (json == null || !json.isArray()) {
      throw new InvalidClusterObjectException(
          object, field + ": not a JSON array: '" + abbreviate(value) + "'");
    }
    List<String> result = new ArrayList<>();
    for (int i = 0; i < json.size(); i++) {
      JsonNode e = json.get(i);
      String canonical = e.isString() ? cidr(e.asString()) : null;
      if (canonical == null || canonical.indexOf('/') < 0) {
        throw new InvalidClusterObjectException(
            object, field + "[" + i + "]: not a CIDR: '" + abbreviate(e.toString()) + "'");
      }
      result.add(canonical);
    }
    return result;
  }

  /**
   * An address with an optional prefix length, canonical ({@code 192.168.126.51/24}), or null when
   * the address is not an IP literal or the prefix not a number in range.
   */
  private static String cidr(String text) {
    int slash = text.indexOf('/');
    String address = slash >= 0 ? text.substring(0, slash) : text;
    if (SourceIp.parse(address).isEmpty()) {
      return null;
    }
    String canonical = SourceIp.canonical(address);
    if (slash < 0) {
      return canonical;
    }
    String prefix = text.substring(slash + 1);
    int max = SourceIp.isIpv6(canonical) ? 128 : 32;
    if (!prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) > max) {
      return null;
    }
    return canonical + "/" + Integer.parseInt(prefix);
  }
}
