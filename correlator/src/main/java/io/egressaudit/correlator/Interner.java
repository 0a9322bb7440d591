package io.egressaudit.correlator;

import java.util.HashMap;
import java.util.Map;

/**
 * Shares equal parts of pod states held by a timeline: namespace, node and phase names and label
 * maps repeat across the thousands of intervals of a busy cluster's pods, and months of them are
 * held at once. Used under the timeline's write lock.
 */
final class Interner {

  private final Map<String, String> strings = new HashMap<>();
  private final Map<Map<String, String>, Map<String, String>> labels = new HashMap<>();

  ClusterObject intern(ClusterObject o) {
    if (o instanceof PodState p) {
      return new PodState(
          string(p.namespace()),
          p.name(),
          string(p.nodeName()),
          p.podIps(),
          p.hostNetwork(),
          labels(p.labels()),
          string(p.phase()));
    }
    return o;
  }

  private String string(String s) {
    return s == null ? null : strings.computeIfAbsent(s, k -> k);
  }

  private Map<String, String> labels(Map<String, String> m) {
    if (m.isEmpty()) {
      return Map.of();
    }
    return labels.computeIfAbsent(m, k -> k);
  }
}
