package io.egressaudit.controller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          array.add(read(selection, budget));
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
