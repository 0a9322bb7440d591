package io.egressaudit.correlator;

/**
 * A pod named in an attribution.
 *
 * @param namespace the pod's namespace
 * @param name the pod's name
 */
public record PodRef(String namespace, String name) implements Comparable<PodRef> {

  @Override
  public int compareTo(PodRef o) {
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }
}
