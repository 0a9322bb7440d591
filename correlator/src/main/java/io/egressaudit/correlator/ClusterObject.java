package io.egressaudit.correlator;

/**
 * The part of a Kubernetes object that attribution needs. Two states of the same object that are
 * equal mean nothing changed that attribution cares about, so history keeps one interval.
 */
public sealed interface ClusterObject permits NodeState, NamespaceState, PodState, EgressIpState {

  /** The object's identity. */
  ObjectRef ref();
}
