package io.egressaudit.sql;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.correlator.PodState;
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
    ObjectKind k = ObjectKind.fromKind(kind);
    if (k == null) {
      throw new IllegalArgumentException("unknown kind in history: " + kind);
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
}
