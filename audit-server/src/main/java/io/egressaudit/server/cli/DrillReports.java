package io.egressaudit.server.cli;

import static io.egressaudit.correlator.drill.FailoverReport.seconds;

import io.egressaudit.correlator.drill.FailoverReport;
import io.egressaudit.correlator.drill.FailoverReport.Leak;
import io.egressaudit.correlator.drill.FailoverReport.NamespaceOutcome;
import io.egressaudit.correlator.drill.FailoverReport.TimelineEntry;
import io.egressaudit.probes.drill.DrillPod;
import io.egressaudit.probes.drill.FailoverDrill;
import io.egressaudit.probes.drill.FailoverDrillReport;
import java.io.PrintWriter;

/**
 * The reports of {@code drill failover}: a text report for people (the namespaces as a table,
 * leaks, the timeline, the verdict). The JSON and JUnit reports are {@link
 * io.egressaudit.probes.drill.FailoverDrillReport}.
 */
final class DrillReports {

  private DrillReports() {}

  /**
   * Writes the text report: verdict, trigger, move, the namespaces, leaks, pods, the timeline in
   * time order (the label put back in it), then how the drill ended early (interrupted, or the
   * error that stopped it, saying whether the label is back) and every failure.
   */
  static void text(FailoverDrillReport report, PrintWriter out) {
    FailoverDrill.Outcome o = report.outcome();
    FailoverReport r = o.report();
    out.println("EgressIP " + r.egressIP() + ": " + (report.passed() ? "PASS" : "FAIL"));
    out.println(
        "trigger:  " + (r.trigger() == null ? "none seen" : r.triggeredAt() + "  " + r.trigger()));
    if (r.move() == null) {
      out.println("move:     the status never left " + String.join(",", r.nodesBefore()));
    } else {
      out.println(
          "move:     "
              + r.move().at()
              + "  "
              + r.move().fromNode()
              + " -> "
              + r.move().toNode()
              + (r.move().unassignedAt() == null
                  ? ""
                  : " (no node held it from " + r.move().unassignedAt() + ")"));
    }
    if (r.firstViaNewNode() != null) {
      out.println(
          "via new:  "
              + r.firstViaNewNode().sentAt()
              + "  first probe from "
              + r.firstViaNewNode().sourceIp()
              + " via "
              + r.move().toNode());
    }
    out.println();
    Table t =
        new Table(
            "NAMESPACE",
            "PROBES",
            "GOOD",
            "LEAKED",
            "NOT-ARRIVED",
            "NOT-SENT",
            "OUTAGE",
            "SETTLED");
    for (NamespaceOutcome n : r.namespaces()) {
      t.row(
          n.namespace(),
          n.probes(),
          n.good(),
          n.leaked(),
          n.notArrived(),
          n.notSent(),
          n.outage() == null
              ? "0.0 s"
              : seconds(n.outage().duration()) + (n.outage().ongoing() ? " (ongoing)" : ""),
          n.settled() ? "yes" : "no (" + n.goodInARowAfterMove() + " in a row)");
    }
    t.print(out);
    if (!r.leaks().isEmpty()) {
      out.println();
      Table l = new Table("NAMESPACE", "SOURCE", "COUNT", "FIRST", "LAST", "OWNER");
      for (Leak k : r.leaks()) {
        l.row(k.namespace(), k.sourceIp(), k.count(), k.first(), k.last(), k.owner());
      }
      l.print(out);
    }
    out.println();
    out.println("pods: " + String.join(", ", o.pods().stream().map(DrillReports::pod).toList()));
    out.println();
    out.println("timeline:");
    for (TimelineEntry e : report.timeline()) {
      out.println("  " + e.at() + "  " + e.what());
    }
    if (o.labelRemovedFrom() != null && o.labelRestoredAt() == null) {
      out.println(
          "label k8s.ovn.org/egress-assignable NOT put back on "
              + o.labelRemovedFrom()
              + ": "
              + o.labelError());
    }
    if (o.interrupted()) {
      out.println("the drill was interrupted" + labelBack(o));
    }
    if (o.error() != null) {
      out.println("the drill stopped: " + o.error() + labelBack(o));
    }
    for (String f : report.failures()) {
      out.println("FAIL: " + f);
    }
    out.flush();
  }

  private static String labelBack(FailoverDrill.Outcome o) {
    if (o.labelRemovedFrom() == null) {
      return "";
    }
    return o.labelRestoredAt() != null
        ? "; label k8s.ovn.org/egress-assignable put back on " + o.labelRemovedFrom()
        : "; label k8s.ovn.org/egress-assignable NOT put back on " + o.labelRemovedFrom();
  }

  private static String pod(DrillPod p) {
    return p.target().name() + " on " + p.node() + (p.onEgressNode() ? " (egress node)" : "");
  }
}
