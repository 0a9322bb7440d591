package io.egressaudit.server.cli;

import io.egressaudit.probes.JsonReport;
import io.egressaudit.probes.JunitReport;
import io.egressaudit.probes.ReportSpec;
import java.io.Writer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code --report} of a {@code probe} or {@code drill failover} that could not run (exit 3: the
 * cluster or the audit server cannot be reached, or a permission is missing), so CI gets a file
 * saying why instead of none. JUnit: one {@code <testcase>} named {@code unreachable} holding an
 * {@code <error type="unreachable">} with the command's message. JSON: the keys every report starts
 * with ({@link JsonReport#header}), {@code passed} false, then {@code error}, the message. A {@code
 * probe} stopped by Ctrl-C or SIGTERM writes the same with {@code interrupted} as case name and
 * type.
 *
 * @param kind the test case's name and the error's type: {@code unreachable} or {@code interrupted}
 * @param report the JSON {@code report} key, such as {@code egress-audit-probe}
 * @param suite the JUnit root's name, such as {@code egress-audit probe}; the suite's name adds the
 *     cluster, and the case's class is the suite name's words joined by dots
 * @param cluster the kubeconfig cluster's name
 * @param target the hit listener's URL as pods reach it ({@code --target})
 * @param api the audit server's API URL ({@code --api})
 * @param policy the policy file, or null
 * @param startedAt when the run started
 * @param finishedAt when it gave up
 * @param message why, the one line the command prints
 */
record UnreachableReport(
    String kind,
    String report,
    String suite,
    String cluster,
    String target,
    String api,
    String policy,
    Instant startedAt,
    Instant finishedAt,
    String message)
    implements ReportSpec.MachineReport {

  @Override
  public void junit(Writer out) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("cluster", cluster);
    properties.put("target", target);
    properties.put("api", api);
    properties.put("policy", policy);
    JunitReport.write(
        new JunitReport.Suite(
            suite,
            suite + " " + cluster,
            startedAt,
            Duration.between(startedAt, finishedAt),
            properties,
            List.of(
                new JunitReport.Case(
                    kind,
                    suite.replace(' ', '.'),
                    Duration.between(startedAt, finishedAt),
                    new JunitReport.Problem(true, kind, message, message),
                    null))),
        out);
  }

  @Override
  public void json(Writer out) {
    ObjectNode root =
        JsonReport.header(report, cluster, target, api, policy, startedAt, finishedAt, false);
    root.put("error", message);
    JsonReport.write(root, out);
  }
}
