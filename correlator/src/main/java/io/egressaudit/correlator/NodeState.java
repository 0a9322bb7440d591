package io.egressaudit.correlator;

import java.util.List;
import java.util.Map;

/**
 * A node as attribution sees it.
 *
 * @param name {@code metadata.name}
 * @param addresses canonical IPs from {@code status.addresses} of type {@code InternalIP} and
 *     {@code ExternalIP}, plus the OVN-Kubernetes primary interface address ({@code
 *     k8s.ovn.org/node-primary-ifaddr} annotation) when present: the IPs that SNATed pod traffic
 *     leaves with
 * @param labels {@code metadata.labels}
 * @param ready the {@code Ready} condition is {@code True}
 * @param subnets the node's primary interface addresses with their prefix length, such as {@code
 *     192.168.126.51/24}, from the {@code k8s.ovn.org/node-primary-ifaddr} and {@code
 *     k8s.ovn.org/host-cidrs} annotations when present: the subnets an egress IP it hosts must be
 *     in; empty when unknown
 */
public record NodeState(
    String name,
    List<String> addresses,
    Map<String, String> labels,
    boolean ready,
    List<String> subnets)
    implements ClusterObject {

  /** The label that makes a node eligible to host egress IPs on OVN-Kubernetes. */
  public static final String EGRESS_ASSIGNABLE_LABEL = "k8s.ovn.org/egress-assignable";

  /** Copies the collections and replaces null with empty. */
  public NodeState {
    addresses = addresses == null ? List.of() : List.copyOf(addresses);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    subnets = subnets == null ? List.of() : List.copyOf(subnets);
  }

  /** A node whose subnets are unknown. */
  public NodeState(String name, List<String> addresses, Map<String, String> labels, boolean ready) {
    this(name, addresses, labels, ready, List.of());
  }

  /** True when the node carries the {@code k8s.ovn.org/egress-assignable} label. */
  public boolean egressAssignable() {
    return labels.containsKey(EGRESS_ASSIGNABLE_LABEL);
  }

  @Override
  public ObjectRef ref() {
    return new ObjectRef(ObjectKind.NODE, "", name);
  }
}
