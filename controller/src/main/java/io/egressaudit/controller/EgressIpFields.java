package io.egressaudit.controller;

import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code spec} and {@code status} of an EgressIP from the untyped maps of a generic
 * resource, checking each field's shape and naming the field when it is wrong.
 */
final class EgressIpFields {

  private final String object;

  EgressIpFields(String object) {
    this.object = object;
  }

  EgressIpState read(String name, Map<String, Object> properties) {
    Map<?, ?> spec = map(properties.get("spec"), "spec");
    if (spec == null) {
      throw fail("spec is missing");
    }
    List<String> egressIps = new ArrayList<>();
    List<?> specIps = list(spec.get("egressIPs"), "spec.egressIPs");
    if (specIps != null) {
      for (int i = 0; i < specIps.size(); i++) {
        String field = "spec.egressIPs[" + i + "]";
        String ip = KubernetesObjects.ip(object, field, string(specIps.get(i), field));
        if (!egressIps.contains(ip)) {
          egressIps.add(ip);
        }
      }
    }
    LabelSelector namespaceSelector =
        selector(spec.get("namespaceSelector"), "spec.namespaceSelector");
    LabelSelector podSelector = selector(spec.get("podSelector"), "spec.podSelector");

    List<EgressIpAssignment> assignments = new ArrayList<>();
    Map<?, ?> status = map(properties.get("status"), "status");
    List<?> items = status == null ? null : list(status.get("items"), "status.items");
    if (items != null) {
      for (int i = 0; i < items.size(); i++) {
        String field = "status.items[" + i + "]";
        Map<?, ?> item = map(items.get(i), field);
        if (item == null) {
          throw fail(field + " is missing");
        }
        String ip =
            KubernetesObjects.ip(
                object, field + ".egressIP", string(item.get("egressIP"), field + ".egressIP"));
        String node = string(item.get("node"), field + ".node");
        if (node == null || node.isEmpty()) {
          throw fail(field + ".node is missing");
        }
        assignments.add(new EgressIpAssignment(ip, node));
      }
    }
    return new EgressIpState(name, egressIps, namespaceSelector, podSelector, assignments);
  }

  /** A {@code metav1.LabelSelector}; null when the field is absent. */
  private LabelSelector selector(Object value, String field) {
    Map<?, ?> m = map(value, field);
    if (m == null) {
      return null;
    }
    Map<String, String> matchLabels = new LinkedHashMap<>();
    Map<?, ?> labels = map(m.get("matchLabels"), field + ".matchLabels");
    if (labels != null) {
      for (Map.Entry<?, ?> e : labels.entrySet()) {
        String labelField = field + ".matchLabels." + e.getKey();
        String v = string(e.getValue(), labelField);
        if (v == null) {
          throw fail(labelField + ": expected a string, found null");
        }
        matchLabels.put(String.valueOf(e.getKey()), v);
      }
    }
    List<LabelSelector.Requirement> requirements = new ArrayList<>();
    List<?> expressions = list(m.get("matchExpressions"), field + ".matchExpressions");
    if (expressions != null) {
      for (int i = 0; i < expressions.size(); i++) {
        requirements.add(requirement(expressions.get(i), field + ".matchExpressions[" + i + "]"));
      }
    }
    return new LabelSelector(matchLabels, requirements);
  }

  private LabelSelector.Requirement requirement(Object value, String field) {
    Map<?, ?> m = map(value, field);
    if (m == null) {
      throw fail(field + " is missing");
    }
    String key = string(m.get("key"), field + ".key");
    if (key == null || key.isEmpty()) {
      throw fail(field + ".key is missing");
    }
    String spelling = string(m.get("operator"), field + ".operator");
    if (spelling == null) {
      throw fail(field + ".operator is missing");
    }
    LabelSelector.Operator operator;
    try {
      operator = LabelSelector.Operator.fromSpelling(spelling);
    } catch (IllegalArgumentException e) {
      throw fail(field + ".operator: " + e.getMessage());
    }
    List<String> values = new ArrayList<>();
    List<?> raw = list(m.get("values"), field + ".values");
    if (raw != null) {
      for (int i = 0; i < raw.size(); i++) {
        String v = string(raw.get(i), field + ".values[" + i + "]");
        if (v == null) {
          throw fail(field + ".values[" + i + "]: expected a string, found null");
        }
        values.add(v);
      }
    }
    boolean setBased =
        operator == LabelSelector.Operator.IN || operator == LabelSelector.Operator.NOT_IN;
    if (setBased && values.isEmpty()) {
      throw fail(field + ".values: must not be empty for operator " + spelling);
    }
    if (!setBased && !values.isEmpty()) {
      throw fail(field + ".values: must be empty for operator " + spelling);
    }
    return new LabelSelector.Requirement(key, operator, values);
  }

  private Map<?, ?> map(Object value, String field) {
    if (value == null || value instanceof Map<?, ?>) {
      return (Map<?, ?>) value;
    }
    throw fail(field + ": expected a mapping, found " + shape(value));
  }

  private List<?> list(Object value, String field) {
    if (value == null || value instanceof List<?>) {
      return (List<?>) value;
    }
    throw fail(field + ": expected a list, found " + shape(value));
  }

  /**
   * A scalar as text (labels such as {@code tier: 1} may have been read as numbers); null stays
   * null.
   */
  private String string(Object value, String field) {
    if (value == null || value instanceof String) {
      return (String) value;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    throw fail(field + ": expected a string, found " + shape(value));
  }

  private static String shape(Object value) {
    if (value instanceof Map<?, ?>) {
      return "a mapping";
    }
    if (value instanceof List<?>) {
      return "a list";
    }
    return "'" + KubernetesObjects.abbreviate(String.valueOf(value)) + "'";
  }

  private InvalidClusterObjectException fail(String detail) {
    return new InvalidClusterObjectException(object, detail);
  }
}
