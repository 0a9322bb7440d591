package io.egressaudit.controller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads values from a JSON or YAML token stream into trees that hold only the selected fields
 * ({@link FieldSelection}); skipped values stream past without being kept.
 *
 * <p>YAML aliases are resolved: an alias ({@code *t}) stands for the value its anchor ({@code &t})
 * marked earlier in the same document, also when that value was in a skipped field. Merge keys
 * ({@code <<: *m}, {@code <<: [*a, *b]}, or an inline mapping) add the merged mappings' keys that
 * the mapping does not set itself (the mapping's own keys win; among merged mappings, the first
 * wins). Both are bounded: an anchored value, with the aliases inside it expanded, may have at most
 * {@value #MAX_ANCHORED_VALUES} values in a document, so alias bombs fail early with the line they
 * are at.
 *
 * <p>Each object's kept fields may have at most {@value #MAX_OBJECT_VALUES} values (scalars,
 * mappings and lists, aliases counted expanded); Kubernetes keeps no object over 1.5 MiB, so a real
 * object needs far fewer. Duplicate keys are refused in the kept mappings (in skipped ones they do
 * not matter, and tracking them would cost a set of every key).
 *
 * <p>Where each kept value of the current object starts is remembered ({@link #locate}), so that an
 * invalid field found later, when the object is converted, is reported at its own line and column
 * rather than at the line its item starts at. Only kept mappings and lists hold entries (values
 * inside anchors and skipped fields hold none); {@link #forgetLocations} clears them per object.
 */
final class ObjectTreeReader {

  /** Values an object's kept fields may have. */
  static final long MAX_OBJECT_VALUES = 100_000;

  /** Values the anchored parts of one YAML document may have, aliases expanded. */
  static final long MAX_ANCHORED_VALUES = 100_000;

  /** A value that the reader refuses, with where it is. */
  static final class ValueException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient TokenStreamLocation location;

    ValueException(TokenStreamLocation location, String message) {
      super(message);
      this.location = location;
    }

    /** Where the value is; may be null. */
    TokenStreamLocation location() {
      return location;
    }
  }

  /** Values an object may still keep. */
  static final class Budget {
    private final long limit;
    private final String what;
    private long left;

    private Budget(long limit, String what) {
      this.limit = limit;
      this.left = limit;
      this.what = what;
    }
  }

  private record Anchored(JsonNode node) {}

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final JsonParser parser;
  private final AnchorAwareYamlParser yaml;
  private final String syntax;
  private final Map<String, Anchored> anchors = new HashMap<>();
  private Budget anchored = anchoredBudget();

  // per kept mapping (by identity: mappings and lists are never shared), where each value starts
  private final Map<JsonNode, Map<String, TokenStreamLocation>> propertyLocations =
      new IdentityHashMap<>();
  private final Map<JsonNode, List<TokenStreamLocation>> elementLocations = new IdentityHashMap<>();

  /** A field path as messages write it: {@code status.addresses[1].address}, {@code a[k/x]}. */
  private static final Pattern PATH_STEP =
      Pattern.compile("\\G(?:\\.?([A-Za-z_$][\\w$-]*)|\\[([^\\]]*)])");

  /**
   * @param parser the token stream; aliases and merge keys are resolved when it is an {@link
   *     AnchorAwareYamlParser}
   */
  ObjectTreeReader(JsonParser parser) {
    this.parser = parser;
    this.yaml = parser instanceof AnchorAwareYamlParser y ? y : null;
    this.syntax = yaml == null ? "JSON" : "YAML";
  }

  private static Budget anchoredBudget() {
    return new Budget(MAX_ANCHORED_VALUES, "the anchored values of this document");
  }

  /** A new budget of {@value #MAX_OBJECT_VALUES} values for one object. */
  static Budget objectBudget() {
    return new Budget(MAX_OBJECT_VALUES, "the fields attribution reads of this object");
  }

  /** Forgets the anchors of the previous document: YAML anchors are scoped to their document. */
  void startDocument() {
    anchors.clear();
    anchored = anchoredBudget();
  }

  /** Whether the current token is the name of a YAML merge key: a plain {@code <<}. */
  boolean atMergeKey() {
    return yaml != null
        && parser.currentToken() == JsonToken.PROPERTY_NAME
        && "<<".equals(parser.currentName())
        && yaml.plainScalar();
  }

  /**
   * Reads the value whose first token is the current one; afterwards its last token is current.
   *
   * @param selection what to keep; null skips the value (anchors inside it are still recorded)
   * @param budget what the kept values are counted against
   * @return the value pruned to {@code selection}, or null when skipped
   * @throws ValueException for an unknown alias, a bad merge key, a duplicate key or a budget
   *     exceeded
   */
  JsonNode read(FieldSelection selection, Budget budget) {
    TokenStreamLocation at = parser.currentTokenLocation();
    String alias =
        yaml != null && parser.currentToken() == JsonToken.VALUE_STRING ? yaml.alias() : null;
    if (alias != null) {
      JsonNode target = resolve(alias, at);
      return selection == null ? null : prune(target, selection, budget, at);
    }
    String anchor = yaml == null ? null : yaml.anchor();
    if (anchor != null) {
      JsonNode whole = build(FieldSelection.ALL, anchored);
      anchors.put(anchor, new Anchored(whole));
      return selection == null ? null : prune(whole, selection, budget, at);
    }
    if (selection == null) {
      skip();
      return null;
    }
    return build(selection, budget);
  }

  private JsonNode resolve(String alias, TokenStreamLocation at) {
    Anchored a = anchors.get(alias);
    if (a == null) {
      throw new ValueException(
          at, "malformed YAML: alias *" + alias + " refers to no anchor before it in its document");
    }
    return a.node();
  }

  private JsonNode build(FieldSelection selection, Budget budget) {
    TokenStreamLocation at = parser.currentTokenLocation();
    charge(budget, 1, at);
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT:
        return buildObject(selection, budget);
      case START_ARRAY:
        ArrayNode array = NODES.arrayNode();
        List<TokenStreamLocation> starts = recording(budget) ? new ArrayList<>() : null;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          if (starts != null) {
            starts.add(parser.currentTokenLocation());
          }
          array.add(read(selection, budget));
        }
        if (starts != null) {
          elementLocations.put(array, starts);
        }
        return array;
      case VALUE_STRING:
        return NODES.textNode(parser.getString());
      case VALUE_NUMBER_INT:
        return switch (parser.getNumberType()) {
          case INT -> NODES.numberNode(parser.getIntValue());
          case LONG -> NODES.numberNode(parser.getLongValue());
          default -> NODES.numberNode(parser.getBigIntegerValue());
        };
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(parser.getDecimalValue());
      case VALUE_TRUE:
      case VALUE_FALSE:
        return NODES.booleanNode(token == JsonToken.VALUE_TRUE);
      case VALUE_NULL:
        return NODES.nullNode();
      case VALUE_EMBEDDED_OBJECT:
        Object embedded = parser.getEmbeddedObject();
        return embedded instanceof byte[] bytes ? NODES.binaryNode(bytes) : NODES.nullNode();
      default:
        throw new ValueException(at, "malformed " + syntax + ": unexpected " + token);
    }
  }

  private ObjectNode buildObject(FieldSelection selection, Budget budget) {
    ObjectNode object = NODES.objectNode();
    List<ObjectNode> merged = new ArrayList<>();
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      TokenStreamLocation at = parser.currentTokenLocation();
      boolean merge = atMergeKey();
      parser.nextToken();
      if (merge) {
        merged.addAll(mergeSources(at));
        continue;
      }
      FieldSelection field = selection.field(name);
      if (field == null) {
        read(null, budget);
        continue;
      }
      if (object.has(name)) {
        throw duplicate(name, at);
      }
      if (recording(budget)) {
        remember(object, name, parser.currentTokenLocation());
      }
      object.set(name, read(field, budget));
    }
    for (ObjectNode source : merged) {
      for (Map.Entry<String, JsonNode> e : source.properties()) {
        FieldSelection field = selection.field(e.getKey());
        if (field != null && !object.has(e.getKey())) {
          object.set(e.getKey(), prune(e.getValue(), field, budget, parser.currentTokenLocation()));
        }
      }
    }
    return object;
  }

  /** Values counted against an object's budget are kept for it; anchored ones may not be. */
  private boolean recording(Budget budget) {
    return budget != anchored;
  }

  /**
   * Remembers where the value of a mapping's property starts.
   *
   * @param object a mapping of the current object's kept fields
   * @param name the property
   * @param at where its value starts
   */
  void remember(ObjectNode object, String name, TokenStreamLocation at) {
    propertyLocations.computeIfAbsent(object, k -> new HashMap<>()).put(name, at);
  }

  /** Forgets where the previous object's values were: call before reading the next one. */
  void forgetLocations() {
    propertyLocations.clear();
    elementLocations.clear();
  }

  /**
   * Where a field of an object read since {@link #forgetLocations} starts.
   *
   * @param root the object, as {@link #read} returned it
   * @param path the field as messages name it: {@code status.addresses[1].address}, {@code
   *     spec.egressIPs[0]}, {@code metadata.annotations[k8s.ovn.org/host-cidrs]}
   * @return where the field's value starts; for a field inside a value whose parts were not
   *     remembered (an alias), where that value starts; null when the path does not lead to a value
   *     of {@code root} (a missing field) or nothing on the way was remembered
   */
  TokenStreamLocation locate(JsonNode root, String path) {
    JsonNode node = root;
    TokenStreamLocation found = null;
    Matcher step = PATH_STEP.matcher(path);
    int end = 0;
    while (end < path.length() && step.find(end) && step.start() == end) {
      end = step.end();
      String name = step.group(1) != null ? step.group(1) : step.group(2);
      TokenStreamLocation at;
      if (node instanceof ArrayNode array && step.group(2) != null && name.matches("\\d{1,9}")) {
        int i = Integer.parseInt(name);
        List<TokenStreamLocation> starts = elementLocations.get(array);
        at = starts != null && i < starts.size() ? starts.get(i) : null;
        node = array.get(i);
      } else if (node instanceof ObjectNode object) {
        Map<String, TokenStreamLocation> starts = propertyLocations.get(object);
        at = starts == null ? null : starts.get(name);
        node = object.get(name);
      } else {
        return found; // a path into a scalar, such as a JSON annotation: where the scalar is
      }
      if (node == null) {
        return null;
      }
      found = at != null ? at : found;
    }
    return end == path.length() ? found : null;
  }

  ValueException duplicate(String name, TokenStreamLocation at) {
    return new ValueException(at, "malformed " + syntax + ": duplicate key \"" + name + "\"");
  }

  /** The mappings a merge key's value (the current token) names, complete. */
  private List<ObjectNode> mergeSources(TokenStreamLocation at) {
    List<ObjectNode> sources = new ArrayList<>();
    if (parser.currentToken() == JsonToken.START_ARRAY) {
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        sources.add(mergeSource(at));
      }
    } else {
      sources.add(mergeSource(at));
    }
    return sources;
  }

  private ObjectNode mergeSource(TokenStreamLocation at) {
    JsonNode value = read(FieldSelection.ALL, anchored);
    if (value instanceof ObjectNode object) {
      return object;
    }
    throw new ValueException(
        at,
        "malformed YAML: merge key <<: expected an alias of a mapping, a mapping or a list of"
            + " them, found "
            + ClusterStateCollector.shape(value));
  }

  /** Skips the current value, recording the anchored values inside it. */
  private void skip() {
    JsonToken token = parser.currentToken();
    if (!token.isStructStart()) {
      return;
    }
    if (yaml == null) {
      parser.skipChildren();
      return;
    }
    int depth = 1;
    while (depth > 0) {
      token = parser.nextToken();
      if (token == JsonToken.PROPERTY_NAME) {
        continue;
      }
      if (token.isStructEnd()) {
        depth--;
      } else if (yaml.anchor() != null) {
        read(null, anchored); // records the anchored value and moves past it
      } else if (token.isStructStart()) {
        depth++;
      }
    }
  }

  /** The part of a complete value that a selection keeps, charged to the budget. */
  private JsonNode prune(
      JsonNode value, FieldSelection selection, Budget budget, TokenStreamLocation at) {
    charge(budget, 1, at);
    if (value instanceof ObjectNode object) {
      if (selection.all()) {
        for (JsonNode child : object.values()) {
          prune(child, FieldSelection.ALL, budget, at);
        }
        return object;
      }
      ObjectNode kept = NODES.objectNode();
      for (Map.Entry<String, JsonNode> e : object.properties()) {
        FieldSelection field = selection.field(e.getKey());
        if (field != null) {
          kept.set(e.getKey(), prune(e.getValue(), field, budget, at));
        }
      }
      return kept;
    }
    if (value instanceof ArrayNode array) {
      if (selection.all()) {
        for (JsonNode child : array) {
          prune(child, FieldSelection.ALL, budget, at);
        }
        return array;
      }
      ArrayNode kept = NODES.arrayNode();
      for (JsonNode child : array) {
        kept.add(prune(child, selection, budget, at));
      }
      return kept;
    }
    return value;
  }

  private static void charge(Budget budget, long values, TokenStreamLocation at) {
    budget.left -= values;
    if (budget.left < 0) {
      throw new ValueException(
          at, "more than " + budget.limit + " values in " + budget.what + " (aliases expanded)");
    }
  }
}
