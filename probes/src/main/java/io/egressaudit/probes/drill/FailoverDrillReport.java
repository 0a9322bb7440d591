package io.egressaudit.probes.drill;

import static io.egressaudit.correlator.drill.FailoverReport.seconds;

import io.egressaudit.correlator.drill.DrillLimits;
import io.egressaudit.correlator.drill.FailoverReport;
import io.egressaudit.correlator.drill.FailoverReport.Leak;
import io.egressaudit.correlator.drill.FailoverReport.NamespaceOutcome;
import io.egressaudit.correlator.drill.FailoverReport.Outage;
import io.egressaudit.correlator.drill.FailoverReport.TimelineEntry;
import io.egressaudit.correlator.drill.FailoverReport.TrafficAbsence;
import io.egressaudit.probes.JsonReport;
import io.egressaudit.probes.JunitReport;
import io.egressaudit.probes.ReportSpec;
import java.io.Writer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The machine reports of {@code drill failover} ({@code --report json:FILE}, {@code --report
 * junit:FILE}), written through the probe's report writers.
 *
 * <p>JSON: the keys every report starts with ({@link JsonReport#header}, {@code report:
 * "egress-audit-drill-failover"}), then {@code egressIP}, {@code limits} {intervalSeconds,
 * maxOutageSeconds, settle}, {@code trigger} {at, what}, {@code nodesBefore}[], {@code move}
 * {unassignedAt, at, from, to}|null, {@code firstViaNewNode} {sentAt, pod, sourceIp}|null, {@code
 * settled}, {@code namespaces}[] {namespace, probes, good, leaked, notArrived, notSent,
 * outageSeconds, outageFrom, outageTo, outagePod, outageOngoing, goodInARowAfterMove, settled},
 * {@code leaks}[] {namespace, sourceIp, owner, count, first, last, pods[]}, {@code trafficAbsent}[]
 * {pod, nodes, from, to, probes}, {@code pods}[] {namespace, pod, container, node, onEgressNode},
 * {@code label} {node, restoredAt, error}|null, {@code interrupted}, {@code failures}[], {@code
 * timeline}[] {at, what}. Times are RFC 3339 UTC, durations seconds; absent facts are null. See
 * {@code docs/probe-report.md}.
 *
 * <p>JUnit: one suite with a test case per namespace (its outage and settling), and one for each
 * check of the drill as a whole: the status move, leaks, and the label put back (when the drill
 * removed it).
 *
 * @param cluster the kubeconfig cluster's name
 * @param target the hit listener's URL as pods reach it
 * @param api the audit server's API URL
 * @param limits the drill's interval, max outage and settle
 * @param outcome what the drill found
 */
public record FailoverDrillReport(
    String cluster, String target, String api, DrillLimits limits, FailoverDrill.Outcome outcome)
    implements ReportSpec.MachineReport {

  /** The {@code report} key of the JSON report. */
  public static final String REPORT = "egress-audit-drill-failover";

  /**
   * True when the drill ran to its end and passed, and the label, if the drill removed it, is back.
   */
  public boolean passed() {
    return outcome.report().passed()
        && outcome.labelError() == null
        && outcome.error() == null
        && !outcome.interrupted()
        && failures().isEmpty();
  }

  /**
   * Why the drill failed, one sentence each: the analysis' reasons, then each namespace that did
   * not settle without the analysis saying so (the status never moved), then a label not put back;
   * empty when passed.
   */
  public List<String> failures() {
    FailoverReport r = outcome.report();
    List<String> failures = new ArrayList<>(r.failures());
    for (NamespaceOutcome n : r.namespaces()) {
      boolean said = r.failures().stream().anyMatch(f -> f.startsWith(n.namespace() + ": "));
      if (!n.settled() && !said) {
        failures.add(notSettled(r, n));
      }
    }
    if (outcome.labelError() != null) {
      failures.add(labelNotBack());
    }
    return failures;
  }

  private String notSettled(FailoverReport r, NamespaceOutcome n) {
    return n.namespace()
        + ": did not settle: "
        + (r.move() == null
            ? "the status of EgressIP " + r.egressIP() + " never moved"
            : n.goodInARowAfterMove()
                + " good probes in a row at the end, "
                + limits.settle()
                + " needed")
        + (outcome.interrupted() ? " before the drill was interrupted" : "");
  }

  /**
   * The drill's events in time order: the analysis' timeline with the label put back (or not) where
   * it happened, so it comes before the drill's end.
   */
  public List<TimelineEntry> timeline() {
    List<TimelineEntry> timeline = new ArrayList<>(outcome.report().timeline());
    if (outcome.labelRemovedFrom() != null && outcome.labelRestoredAt() != null) {
      timeline.add(
          new TimelineEntry(
              outcome.labelRestoredAt(),
              "label k8s.ovn.org/egress-assignable put back on " + outcome.labelRemovedFrom()));
    }
    timeline.sort(java.util.Comparator.comparing(TimelineEntry::at));
    return timeline;
  }

  private String labelNotBack() {
    return "label k8s.ovn.org/egress-assignable NOT put back on "
        + outcome.labelRemovedFrom()
        + ": "
        + outcome.labelError();
  }

  @Override
  public void json(Writer out) {
    JsonReport.write(tree(), out);
  }

  /** The JSON report as a tree. */
  public ObjectNode tree() {
    FailoverReport r = outcome.report();
    ObjectNode root =
        JsonReport.header(REPORT, cluster, target, api, null, r.startedAt(), r.endedAt(), passed());
    root.put("egressIP", r.egressIP());
    ObjectNode l = root.putObject("limits");
    l.put("intervalSeconds", secs(limits.interval()));
    l.put("maxOutageSeconds", secs(limits.maxOutage()));
    l.put("settle", limits.settle());
    ObjectNode trigger = root.putObject("trigger");
    trigger.put("at", time(r.triggeredAt()));
    trigger.put("what", r.trigger());
    ArrayNode before = root.putArray("nodesBefore");
    r.nodesBefore().forEach(before::add);
    if (r.move() == null) {
      root.putNull("move");
    } else {
      ObjectNode m = root.putObject("move");
      m.put("unassignedAt", time(r.move().unassignedAt()));
      m.put("at", time(r.move().at()));
      m.put("from", r.move().fromNode());
      m.put("to", r.move().toNode());
    }
    if (r.firstViaNewNode() == null) {
      root.putNull("firstViaNewNode");
    } else {
      ObjectNode f = root.putObject("firstViaNewNode");
      f.put("sentAt", time(r.firstViaNewNode().sentAt()));
      f.put("pod", r.firstViaNewNode().pod().namespace() + "/" + r.firstViaNewNode().pod().name());
      f.put("sourceIp", r.firstViaNewNode().sourceIp());
    }
    root.put("settled", r.settled());
    ArrayNode ns = root.putArray("namespaces");
    for (NamespaceOutcome n : r.namespaces()) {
      ObjectNode j = ns.addObject();
      Outage o = n.outage();
      j.put("namespace", n.namespace());
      j.put("probes", n.probes());
      j.put("good", n.good());
      j.put("leaked", n.leaked());
      j.put("notArrived", n.notArrived());
      j.put("notSent", n.notSent());
      j.put("outageSeconds", o == null ? 0.0 : secs(o.duration()));
      j.put("outageFrom", o == null ? null : time(o.from()));
      j.put("outageTo", o == null ? null : time(o.to()));
      j.put("outagePod", o == null ? null : o.pod().namespace() + "/" + o.pod().name());
      j.put("outageOngoing", o != null && o.ongoing());
      j.put("goodInARowAfterMove", n.goodInARowAfterMove());
      j.put("settled", n.settled());
    }
    ArrayNode leaks = root.putArray("leaks");
    for (Leak k : r.leaks()) {
      ObjectNode j = leaks.addObject();
      j.put("namespace", k.namespace());
      j.put("sourceIp", k.sourceIp());
      j.put("owner", k.owner());
      j.put("count", k.count());
      j.put("first", time(k.first()));
      j.put("last", time(k.last()));
      ArrayNode pods = j.putArray("pods");
      k.pods().forEach(p -> pods.add(p.namespace() + "/" + p.name()));
    }
    ArrayNode absent = root.putArray("trafficAbsent");
    for (TrafficAbsence a : r.trafficAbsences()) {
      ObjectNode j = absent.addObject();
      j.put("pod", a.pod().namespace() + "/" + a.pod().name());
      j.put("nodes", a.nodes());
      j.put("from", time(a.from()));
      j.put("to", time(a.to()));
      j.put("probes", a.probes());
    }
    ArrayNode pods = root.putArray("pods");
    for (DrillPod p : outcome.pods()) {
      ObjectNode j = pods.addObject();
      j.put("namespace", p.target().namespace());
      j.put("pod", p.target().pod());
      j.put("container", p.target().container());
      j.put("node", p.node());
      j.put("onEgressNode", p.onEgressNode());
    }
    if (outcome.labelRemovedFrom() == null) {
      root.putNull("label");
    } else {
      ObjectNode j = root.putObject("label");
      j.put("node", outcome.labelRemovedFrom());
      j.put("restoredAt", time(outcome.labelRestoredAt()));
      j.put("error", outcome.labelError());
    }
    root.put("interrupted", outcome.interrupted());
    ArrayNode failures = root.putArray("failures");
    failures().forEach(failures::add);
    ArrayNode timeline = root.putArray("timeline");
    for (TimelineEntry e : timeline()) {
      ObjectNode j = timeline.addObject();
      j.put("at", time(e.at()));
      j.put("what", e.what());
    }
    root.put("error", outcome.error());
    return root;
  }

  @Override
  public void junit(Writer out) {
    JunitReport.write(suite(), out);
  }

  /** The JUnit suite: the move, one case per namespace, leaks, and the label. */
  public JunitReport.Suite suite() {
    FailoverReport r = outcome.report();
    String className = "egress-audit.drill.failover." + r.egressIP();
    List<JunitReport.Case> cases = new ArrayList<>();
    cases.add(moveCase(r, className));
    for (NamespaceOutcome n : r.namespaces()) {
      cases.add(namespaceCase(r, n, className));
    }
    if (outcome.started()) {
      cases.add(leakCase(r, className));
    }
    if (outcome.labelRemovedFrom() != null) {
      String name = "label k8s.ovn.org/egress-assignable put back on " + outcome.labelRemovedFrom();
      cases.add(
          outcome.labelError() == null
              ? new JunitReport.Case(
                  name, className, Duration.ZERO, null, "put back at " + outcome.labelRestoredAt())
              : new JunitReport.Case(
                  name,
                  className,
                  Duration.ZERO,
                  new JunitReport.Problem(
                      true, "label-not-restored", labelNotBack(), labelNotBack() + "\n"),
                  null));
    }
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("cluster", cluster);
    properties.put("target", target);
    properties.put("api", api);
    properties.put("egressIP", r.egressIP());
    properties.put("trigger", r.trigger());
    properties.put("interval", seconds(limits.interval()));
    properties.put("maxOutage", seconds(limits.maxOutage()));
    properties.put("settle", Integer.toString(limits.settle()));
    return new JunitReport.Suite(
        "egress-audit drill failover",
        "egress-audit drill failover " + cluster + " " + r.egressIP(),
        r.startedAt(),
        Duration.between(r.startedAt(), r.endedAt()),
        properties,
        cases);
  }

  /** The drill as a whole: a trigger, a status move; failures that name no namespace. */
  private JunitReport.Case moveCase(FailoverReport r, String className) {
    String name = "status of EgressIP " + r.egressIP() + " moves off the failed node";
    List<String> own = new ArrayList<>();
    for (String f : r.failures()) {
      if (namespaceOf(r, f) == null) {
        own.add(f);
      }
    }
    String timeline = timelineText();
    String why = own.isEmpty() ? "" : String.join("\n", own) + "\n\n";
    if (outcome.interrupted()) {
      return new JunitReport.Case(
          name,
          className,
          Duration.ZERO,
          new JunitReport.Problem(
              true,
              "interrupted",
              outcome.started()
                  ? "the drill was interrupted" + labelWords()
                  : "the drill was interrupted before it started",
              why + timeline),
          null);
    }
    if (!outcome.started()) {
      return new JunitReport.Case(
          name,
          className,
          Duration.ZERO,
          new JunitReport.Problem(false, "not-possible", own.get(0), why),
          null);
    }
    if (outcome.error() != null) {
      return new JunitReport.Case(
          name,
          className,
          Duration.ZERO,
          new JunitReport.Problem(
              true,
              "unreachable",
              "the drill stopped: " + outcome.error() + labelWords(),
              outcome.error() + "\n" + why + timeline),
          null);
    }
    if (!own.isEmpty()) {
      return new JunitReport.Case(
          name,
          className,
          Duration.ZERO,
          new JunitReport.Problem(false, "failover", own.get(0), why + timeline),
          null);
    }
    String moved =
        r.move().fromNode()
            + " -> "
            + r.move().toNode()
            + " at "
            + r.move().at()
            + (r.firstViaNewNode() == null
                ? ""
                : "; first probe via the new node sent at " + r.firstViaNewNode().sentAt());
    return new JunitReport.Case(name, className, Duration.ZERO, null, moved + "\n\n" + timeline);
  }

  private JunitReport.Case namespaceCase(FailoverReport r, NamespaceOutcome n, String className) {
    List<String> own = new ArrayList<>();
    for (String f : failures()) {
      if (n.namespace().equals(namespaceOf(r, f)) && !isLeak(n.namespace(), f)) {
        own.add(f);
      }
    }
    String details = details(n);
    if (own.isEmpty()) {
      return new JunitReport.Case(n.namespace(), className, Duration.ZERO, null, details);
    }
    boolean nothingSent = n.probes() == n.notSent();
    Outage o = n.outage();
    String type =
        nothingSent
            ? "not-sent"
            : o != null && o.ongoing()
                ? "outage-ongoing"
                : o != null && o.duration().compareTo(limits.maxOutage()) > 0
                    ? "outage"
                    : "not-settled";
    return new JunitReport.Case(
        n.namespace(),
        className,
        Duration.ZERO,
        new JunitReport.Problem(
            nothingSent, type, own.get(0), String.join("\n", own) + "\n" + details),
        null);
  }

  private JunitReport.Case leakCase(FailoverReport r, String className) {
    String name = "no probe leaves with an IP not of EgressIP " + r.egressIP();
    if (r.leaks().isEmpty()) {
      return new JunitReport.Case(name, className, Duration.ZERO, null, "no leak\n");
    }
    List<String> lines = new ArrayList<>();
    int count = 0;
    for (Leak k : r.leaks()) {
      count += k.count();
      lines.add(
          k.namespace()
              + ": "
              + k.count()
              + " from "
              + k.sourceIp()
              + (k.owner() == null ? "" : " (" + k.owner() + ")")
              + ", sent from "
              + k.first()
              + " to "
              + k.last()
              + " by "
              + String.join(", ", k.pods().stream().map(p -> p.name()).toList()));
    }
    return new JunitReport.Case(
        name,
        className,
        Duration.ZERO,
        new JunitReport.Problem(
            false,
            "leak",
            count + (count == 1 ? " probe" : " probes") + " leaked: " + lines.get(0),
            String.join("\n", lines) + "\n"),
        null);
  }

  /** The namespace a failure sentence is about ("simpson: ..."), or null. */
  private static String namespaceOf(FailoverReport r, String failure) {
    for (NamespaceOutcome n : r.namespaces()) {
      if (failure.startsWith(n.namespace() + ": ")) {
        return n.namespace();
      }
    }
    return null;
  }

  private static boolean isLeak(String namespace, String failure) {
    return failure.startsWith(namespace + ": leaked ");
  }

  private static String details(NamespaceOutcome n) {
    Outage o = n.outage();
    return "probes: "
        + n.probes()
        + ", good: "
        + n.good()
        + ", leaked: "
        + n.leaked()
        + ", not arrived: "
        + n.notArrived()
        + ", not sent: "
        + n.notSent()
        + "\noutage: "
        + (o == null
            ? "none"
            : seconds(o.duration())
                + " (pod "
                + o.pod().name()
                + ", from "
                + o.from()
                + " to "
                + o.to()
                + (o.ongoing() ? ", ongoing" : "")
                + ")")
        + "\nsettled: "
        + (n.settled() ? "yes" : "no")
        + " ("
        + n.goodInARowAfterMove()
        + " good in a row after the move)\n";
  }

  /** "; the label ... was put back" when the drill removed it, for the messages of early ends. */
  private String labelWords() {
    if (outcome.labelRemovedFrom() == null) {
      return "";
    }
    return outcome.labelRestoredAt() != null
        ? "; label k8s.ovn.org/egress-assignable put back on " + outcome.labelRemovedFrom()
        : "; label k8s.ovn.org/egress-assignable NOT put back on " + outcome.labelRemovedFrom();
  }

  private String timelineText() {
    StringBuilder b = new StringBuilder("timeline:\n");
    for (TimelineEntry e : timeline()) {
      b.append("  ").append(e.at()).append("  ").append(e.what()).append('\n');
    }
    return b.toString();
  }

  private static String time(Instant t) {
    return t == null ? null : t.toString();
  }

  private static double secs(Duration d) {
    return d.toMillis() / 1000.0;
  }
}
