package io.egressaudit.probes;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.probe.ExecOutcome;
import io.egressaudit.correlator.probe.ObservedSource;
import io.egressaudit.correlator.probe.ProbeExpectation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON report of a probe run ({@code --report json:FILE}). Its shape is a contract: fields are
 * added, never renamed. Times are RFC 3339 UTC, durations seconds (decimal, millisecond precision),
 * absent values {@code null}; every key is always present. See {@code docs/probe-report.md} for
 * each field.
 *
 * <pre>
 * {"report": "egress-audit-probe", "version": 1,
 *  "cluster", "target", "api", "policy", "startedAt", "finishedAt", "passed",
 *  "summary": {"total", "passed", "failed", "unchecked", "skipped", "verdicts": {"pass": 2, ...}},
 *  "results": [{"namespace", "pod", "container", "node", "verdict", "passed",
 *               "passedAfterRetries", "message", "expected": {...}|null, "seconds",
 *               "secondsToPass", "attempts": [{"probeId", "startedAt", "seconds", "verdict",
 *               "message", "exec": {...}, "observed": [{"sourceIp", "hits", "owner",
 *               "attribution": [...]}]}]}],
 *  "ecmp": [{"namespace", "egressIP", "assigned": [...], "seen": [...]}],
 *  "notes": [...]}
 * </pre>
 */
public final class JsonReport {

  /** The {@code version} written; raised only for a change that is not an addition. */
  public static final int VERSION = 1;

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private JsonReport() {}

  /**
   * Writes the report.
   *
   * @param report the run
   * @param out where to; not closed
   * @throws UncheckedIOException when writing fails
   */
  public static void write(ProbeReport report, Writer out) {
    write(tree(report), out);
  }

  /**
   * The keys every report of this tool starts with: {@code report}, {@code version}, {@code
   * cluster}, {@code target}, {@code api}, {@code policy}, {@code startedAt}, {@code finishedAt},
   * {@code passed}.
   *
   * @param report what wrote it, such as {@code egress-audit-probe}
   * @param cluster the kubeconfig cluster's name
   * @param target the hit listener's URL as pods reach it
   * @param api the audit server's API URL
   * @param policy the policy file, or null
   * @param startedAt when the run started
   * @param finishedAt when it finished
   * @param passed whether it passed
   * @return a tree to add the run's own keys to
   */
  public static ObjectNode header(
      String report,
      String cluster,
      String target,
      String api,
      String policy,
      Instant startedAt,
      Instant finishedAt,
      boolean passed) {
    ObjectNode root = JSON.createObjectNode();
    root.put("report", report);
    root.put("version", VERSION);
    root.put("cluster", cluster);
    root.put("target", target);
    root.put("api", api);
    root.put("policy", policy);
    root.put("startedAt", time(startedAt));
    root.put("finishedAt", time(finishedAt));
    root.put("passed", passed);
    return root;
  }

  /**
   * Writes a tree as this class writes reports: indented, ending with a newline.
   *
   * @param tree the document
   * @param out where to; not closed
   * @throws UncheckedIOException when writing fails
   */
  public static void write(ObjectNode tree, Writer out) {
    try {
      out.write(JSON.writeValueAsString(tree));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The report as a JSON tree. */
  public static ObjectNode tree(ProbeReport report) {
    ObjectNode root =
        header(
            "egress-audit-probe",
            report.cluster(),
            report.target(),
            report.api(),
            report.policy(),
            report.startedAt(),
            report.finishedAt(),
            report.passed());
    ObjectNode summary = root.putObject("summary");
    summary.put("total", report.results().size());
    summary.put("passed", report.passedCount());
    summary.put("failed", report.failedCount());
    summary.put("unchecked", report.uncheckedCount());
    summary.put("skipped", report.skippedCount());
    ObjectNode verdicts = summary.putObject("verdicts");
    report.countsByVerdict().forEach(verdicts::put);
    ArrayNode results = root.putArray("results");
    for (ProbeResult r : report.results()) {
      ObjectNode o = results.addObject();
      o.put("namespace", r.namespace());
      o.put("pod", r.target() == null ? null : r.target().pod());
      o.put("container", r.target() == null ? null : r.target().container());
      o.put("node", r.target() == null ? null : r.target().node());
      o.put("verdict", r.verdict().verdict().toString());
      o.put("passed", r.passed());
      o.put("passedAfterRetries", r.passedAfterRetries());
      o.put("message", r.verdict().message());
      expected(o, r.expectation());
      o.put("seconds", seconds(r.elapsed()));
      if (r.timeToPass() == null) {
        o.putNull("secondsToPass");
      } else {
        o.put("secondsToPass", seconds(r.timeToPass()));
      }
      ArrayNode attempts = o.putArray("attempts");
      for (ProbeAttempt a : r.attempts()) {
        ObjectNode at = attempts.addObject();
        at.put("probeId", a.probeId());
        at.put("startedAt", time(a.startedAt()));
        at.put("seconds", seconds(a.duration()));
        at.put("verdict", a.verdict().verdict().toString());
        at.put("message", a.verdict().message());
        exec(at.putObject("exec"), a.exec());
        ArrayNode observed = at.putArray("observed");
        for (ObservedSource s : a.observed()) {
          ObjectNode so = observed.addObject();
          so.put("sourceIp", s.ip());
          so.put("hits", s.hits());
          so.put("owner", s.owner());
          attribution(so.putArray("attribution"), s.owners());
        }
      }
    }
    ArrayNode ecmp = root.putArray("ecmp");
    for (EcmpCoverage c : EcmpCoverage.of(report.results())) {
      ObjectNode o = ecmp.addObject();
      o.put("namespace", c.namespace());
      o.put("egressIP", c.egressIP());
      ArrayNode assigned = o.putArray("assigned");
      c.assigned().forEach(assigned::add);
      ArrayNode seen = o.putArray("seen");
      c.seen().forEach(seen::add);
    }
    ArrayNode notes = root.putArray("notes");
    report.notes().forEach(notes::add);
    return root;
  }

  private static void expected(ObjectNode o, ProbeExpectation e) {
    if (e == null) {
      o.putNull("expected");
      return;
    }
    ObjectNode x = o.putObject("expected");
    x.put("rule", e.rule().toString());
    ArrayNode sources = x.putArray("sources");
    e.allowedText().forEach(sources::add);
    x.put("egressIP", e.egressIP());
    x.put("description", e.describe());
    x.put("problem", e.problem());
  }

  private static void exec(ObjectNode o, ExecOutcome e) {
    o.put("status", e.status().toString());
    o.put("client", e.client());
    o.put("exitCode", e.exitCode());
    o.put("httpStatus", e.httpStatus());
    o.put("detail", e.detail());
  }

  private static void attribution(ArrayNode out, List<Attribution> matches) {
    for (Attribution a : matches) {
      ObjectNode m = out.addObject();
      m.put("cluster", a.cluster());
      m.put("kind", a.kind().toString());
      m.put("egressIP", a.egressIP());
      m.put("node", a.node());
      ArrayNode ns = m.putArray("namespaces");
      a.namespaces().forEach(ns::add);
      ArrayNode pods = m.putArray("pods");
      for (PodRef p : a.pods()) {
        pods.addObject().put("namespace", p.namespace()).put("name", p.name());
      }
      m.put("since", time(a.since()));
      if (a.assignedIPs() != null) {
        ArrayNode ips = m.putArray("assignedIPs");
        a.assignedIPs().forEach(ips::add);
      }
      if (a.leakSuspects() != null) {
        ArrayNode l = m.putArray("leakSuspects");
        a.leakSuspects().forEach(l::add);
      }
      if (a.ambiguous() != null) {
        m.put("ambiguous", a.ambiguous());
      }
      if (a.note() != null) {
        m.put("note", a.note());
      }
    }
  }

  private static String time(Instant t) {
    return t == null ? null : t.toString();
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }
}
