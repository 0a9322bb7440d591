package io.egressaudit.server.cli;

import static io.egressaudit.correlator.drill.FailoverReport.seconds;

import io.egressaudit.correlator.drill.FailoverReport;
import io.egressaudit.correlator.drill.FailoverReport.Leak;
import io.egressaudit.correlator.drill.FailoverReport.NamespaceOutcome;
import io.egressaudit.correlator.drill.FailoverReport.TimelineEntry;
import io.egressaudit.correlator.drill.FailoverReport.TrafficAbsence;
import io.egressaudit.probes.drill.DrillPod;
import io.egressaudit.probes.drill.FailoverDrill;
import java.io.PrintWriter;
import java.time.Instant;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The reports of {@code drill failover}: a text report for people (the namespaces as a table,
 * leaks, the timeline, the verdict), and a JSON document for tools.
 */
final class DrillReports {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private DrillReports() {}

  /** Writes the text report. */
  static void text(FailoverDrill.Outcome o, PrintWriter out) {
    FailoverReport r = o.report();
    out.println("EgressIP " + r.egressIP() + ": " + (r.passed() ? "PASS" : "FAIL"));
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
    for (TimelineEntry e : r.timeline()) {
      out.println("  " + e.at() + "  " + e.what());
    }
    if (o.labelRemovedFrom() != null) {
      out.println(
          o.labelRestoredAt() != null
              ? "  "
                  + o.labelRestoredAt()
                  + "  label k8s.ovn.org/egress-assignable put back on "
                  + o.labelRemovedFrom()
              : "label k8s.ovn.org/egress-assignable NOT put back on "
                  + o.labelRemovedFrom()
                  + ": "
                  + o.labelError());
    }
    if (o.interrupted()) {
      out.println("the drill was interrupted");
    }
    for (String f : r.failures()) {
      out.println("FAIL: " + f);
    }
    out.flush();
  }

  private static String pod(DrillPod p) {
    return p.target().name() + " on " + p.node() + (p.onEgressNode() ? " (egress node)" : "");
  }

  /**
   * The JSON report: {@code egressIP}, {@code passed}, {@code trigger} {at, what}, {@code move}
   * {unassignedAt, at, from, to}, {@code firstViaNewNode} {sentAt, pod, sourceIp}, {@code
   * namespaces}[] {namespace, probes, good, leaked, notArrived, notSent, outageSeconds, outageFrom,
   * outageTo, outageOngoing, settled}, {@code leaks}[] {namespace, sourceIp, owner, count, first,
   * last}, {@code trafficAbsent}[] {pod, nodes, from, to, probes}, {@code label} {node, restoredAt,
   * error}, {@code interrupted}, {@code failures}[], {@code timeline}[] {at, what}. Times are RFC
   * 3339 UTC; absent facts are null.
   */
  static String json(FailoverDrill.Outcome o) {
    FailoverReport r = o.report();
    ObjectNode root = JSON.createObjectNode();
    root.put("egressIP", r.egressIP());
    root.put("passed", r.passed());
    root.put("startedAt", text(r.startedAt()));
    root.put("endedAt", text(r.endedAt()));
    ObjectNode trigger = root.putObject("trigger");
    trigger.put("at", text(r.triggeredAt()));
    trigger.put("what", r.trigger());
    if (r.move() == null) {
      root.putNull("move");
    } else {
      ObjectNode m = root.putObject("move");
      m.put("unassignedAt", text(r.move().unassignedAt()));
      m.put("at", text(r.move().at()));
      m.put("from", r.move().fromNode());
      m.put("to", r.move().toNode());
    }
    if (r.firstViaNewNode() == null) {
      root.putNull("firstViaNewNode");
    } else {
      ObjectNode f = root.putObject("firstViaNewNode");
      f.put("sentAt", text(r.firstViaNewNode().sentAt()));
      f.put("pod", r.firstViaNewNode().pod().namespace() + "/" + r.firstViaNewNode().pod().name());
      f.put("sourceIp", r.firstViaNewNode().sourceIp());
    }
    ArrayNode ns = root.putArray("namespaces");
    for (NamespaceOutcome n : r.namespaces()) {
      ObjectNode j = ns.addObject();
      j.put("namespace", n.namespace());
      j.put("probes", n.probes());
      j.put("good", n.good());
      j.put("leaked", n.leaked());
      j.put("notArrived", n.notArrived());
      j.put("notSent", n.notSent());
      j.put("outageSeconds", n.outage() == null ? 0.0 : n.outage().duration().toMillis() / 1000.0);
      j.put("outageFrom", n.outage() == null ? null : text(n.outage().from()));
      j.put("outageTo", n.outage() == null ? null : text(n.outage().to()));
      j.put("outageOngoing", n.outage() != null && n.outage().ongoing());
      j.put("settled", n.settled());
    }
    ArrayNode leaks = root.putArray("leaks");
    for (Leak k : r.leaks()) {
      ObjectNode j = leaks.addObject();
      j.put("namespace", k.namespace());
      j.put("sourceIp", k.sourceIp());
      j.put("owner", k.owner());
      j.put("count", k.count());
      j.put("first", text(k.first()));
      j.put("last", text(k.last()));
    }
    ArrayNode absent = root.putArray("trafficAbsent");
    for (TrafficAbsence a : r.trafficAbsences()) {
      ObjectNode j = absent.addObject();
      j.put("pod", a.pod().namespace() + "/" + a.pod().name());
      j.put("nodes", a.nodes());
      j.put("from", text(a.from()));
      j.put("to", text(a.to()));
      j.put("probes", a.probes());
    }
    if (o.labelRemovedFrom() == null) {
      root.putNull("label");
    } else {
      ObjectNode l = root.putObject("label");
      l.put("node", o.labelRemovedFrom());
      l.put("restoredAt", text(o.labelRestoredAt()));
      l.put("error", o.labelError());
    }
    root.put("interrupted", o.interrupted());
    ArrayNode failures = root.putArray("failures");
    r.failures().forEach(failures::add);
    ArrayNode timeline = root.putArray("timeline");
    for (TimelineEntry e : r.timeline()) {
      ObjectNode j = timeline.addObject();
      j.put("at", text(e.at()));
      j.put("what", e.what());
    }
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
