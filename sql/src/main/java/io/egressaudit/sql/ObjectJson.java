package io.egressaudit.sql;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.PodState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code body} column of {@code cluster_object}: a state record as JSON with map keys sorted,
 * so that equal states have equal text and an unchanged object keeps its interval.
 */
final class ObjectJson {

  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          // a node without known subnets keeps the text it had before subnets were read, so
          // history written by earlier versions does not change at the first relist
          .addMixIn(NodeState.class, NodeSubnetsOmittedWhenEmpty.class)
          .build();

  private abstract static class NodeSubnetsOmittedWhenEmpty {
    @com.fasterxml.jackson.annotation.JsonInclude(
        com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
    abstract java.util.List<String> subnets();
  }

  private ObjectJson() {}

  static String write(ClusterObject object) {
    return MAPPER.writeValueAsString(object);
  }

  static ClusterObject read(String kind, String body) {
    return read(kind, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * Reads a body as its UTF-8 bytes (as SQLite holds it: no text decoding for millions of rows).
   */
  static ClusterObject read(String kind, byte[] body) {
    ObjectKind k = ObjectKind.fromKind(kind);
    if (k == null) {
      throw new IllegalArgumentException("unknown kind in history: " + kind);
    }
    if (k == ObjectKind.POD) {
      PodState pod = readPod(body);
      if (pod != null) {
        return pod;
      }
    }
    Class<? extends ClusterObject> type =
        switch (k) {
          case NODE -> NodeState.class;
          case NAMESPACE -> NamespaceState.class;
          case POD -> PodState.class;
          case EGRESS_IP -> EgressIpState.class;
        };
    return MAPPER.readValue(body, type);
  }

  /**
   * A pod's body read token by token: pods are nearly all of history (millions of rows loaded at
   * start), and this costs a fraction of the data binding. The same fields as the record's
   * components, unknown ones skipped.
   *
   * @return the pod, or null when the text is not in the shape {@link #write} gives (then the data
   *     binding reads it, and reports what is wrong)
   */
  static PodState readPod(String body) {
    return readPod(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  static PodState readPod(byte[] body) {
    try (JsonParser p = MAPPER.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String namespace = null;
      String name = null;
      String nodeName = null;
      String phase = null;
      List<String> podIps = null;
      Map<String, String> labels = null;
      boolean hostNetwork = false;
      for (String field = p.nextName(); field != null; field = p.nextName()) {
        JsonToken v = p.nextToken();
        switch (field) {
          case "namespace" -> namespace = text(p, v);
          case "name" -> name = text(p, v);
          case "nodeName" -> nodeName = text(p, v);
          case "phase" -> phase = text(p, v);
          case "hostNetwork" -> {
            if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
              return null;
            }
            hostNetwork = v == JsonToken.VALUE_TRUE;
          }
          case "podIps" -> podIps = texts(p, v);
          case "labels" -> labels = textMap(p, v);
          default -> p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
      return new PodState(namespace, name, nodeName, podIps, hostNetwork, labels, phase);
    } catch (NotInShape e) {
      return null;
    }
  }

  /** A value that is not what {@link #write} gives for the field. */
  private static final class NotInShape extends RuntimeException {
    NotInShape() {
      super(null, null, false, false);
    }
  }

  private static String text(JsonParser p, JsonToken v) {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v != JsonToken.VALUE_STRING) {
      throw new NotInShape();
    }
    return p.getString();
  }

  private static List<String> texts(JsonParser p, JsonToken v) {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v != JsonToken.START_ARRAY) {
      throw new NotInShape();
    }
    List<String> out = new ArrayList<>(2);
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      String s = text(p, t);
      if (s == null) {
        throw new NotInShape();
      }
      out.add(s);
    }
    return out;
  }

  private static Map<String, String> textMap(JsonParser p, JsonToken v) {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v != JsonToken.START_OBJECT) {
      throw new NotInShape();
    }
    Map<String, String> out = new HashMap<>();
    for (String key = p.nextName(); key != null; key = p.nextName()) {
      String s = text(p, p.nextToken());
      if (s == null) {
        throw new NotInShape();
      }
      out.put(key, s);
    }
    return out;
  }
}
