package io.egressaudit.controller;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * An OVN-Kubernetes {@code EgressIP} ({@code k8s.ovn.org/v1}, cluster-scoped: it implements no
 * {@link Namespaced}), as fabric8 reads it. Fields this project does not read are ignored, so a
 * newer OVN-Kubernetes that adds some still converts. Shapes are checked by the conversion; what
 * the values mean (IP literals, selector operators) by {@link KubernetesObjects#egressIp}.
 */
@Group("k8s.ovn.org")
@Version("v1")
@Kind("EgressIP")
@Plural("egressips")
@Singular("egressip")
@JsonIgnoreProperties(ignoreUnknown = true)
public final class EgressIP extends CustomResource<EgressIP.Spec, EgressIP.Status> {

  /**
   * {@code spec}: the egress IPs to assign, and which namespaces and pods leave with them.
   *
   * @param egressIPs the IP literals, as written; null when absent
   * @param namespaceSelector the namespaces whose pods use them; null when absent
   * @param podSelector the pods among those namespaces; null (absent) selects every pod
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Spec(
      List<String> egressIPs, LabelSelector namespaceSelector, LabelSelector podSelector) {}

  /**
   * {@code status}: where OVN-Kubernetes assigned each IP.
   *
   * @param items one per assigned IP; null when absent
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Status(List<Item> items) {}

  /**
   * One {@code status.items[]} entry.
   *
   * @param egressIP the assigned IP literal, as written
   * @param node the node hosting it
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Item(String egressIP, String node) {}
}
