package io.egressaudit.correlator.drill;

import java.time.Instant;

/**
 * A change of a node that matters to a failover, as a node informer event showed it.
 *
 * @param at when the event was received
 * @param node the node's name
 * @param kind what changed
 */
public record NodeChange(Instant at, String node, Kind kind) {

  /** What changed on the node. */
  public enum Kind {
    /** The {@code Ready} condition left {@code True}: the node failed or is shutting down. */
    NOT_READY("became NotReady"),
    /** The {@code Ready} condition became {@code True} again. */
    READY("became Ready"),
    /** The {@code k8s.ovn.org/egress-assignable} label was removed. */
    LABEL_REMOVED("lost label k8s.ovn.org/egress-assignable"),
    /** The {@code k8s.ovn.org/egress-assignable} label was added (or put back). */
    LABEL_ADDED("got label k8s.ovn.org/egress-assignable"),
    /** The Node object was deleted. */
    DELETED("was deleted");

    private final String words;

    Kind(String words) {
      this.words = words;
    }

    /** The change in words, after the node's name: "became NotReady". */
    public String words() {
      return words;
    }

    /** True for a change that stops the node from hosting egress IPs. */
    public boolean failsEgress() {
      return this == NOT_READY || this == LABEL_REMOVED || this == DELETED;
    }
  }
}
