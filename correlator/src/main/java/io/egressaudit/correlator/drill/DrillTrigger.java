package io.egressaudit.correlator.drill;

import java.time.Instant;

/**
 * What the drill did to fail the egress node, when it did something ({@code --trigger unlabel}).
 *
 * @param at when the change was accepted by the API server
 * @param node the egress node that was failed
 * @param action the action in words: "removed label k8s.ovn.org/egress-assignable"
 */
public record DrillTrigger(Instant at, String node, String action) {}
