package io.egressaudit.server.cli;

import io.egressaudit.controller.informer.ClusterConnection;
import io.egressaudit.controller.informer.ClusterUnreachableException;
import io.egressaudit.correlator.drill.DrillLimits;
import io.egressaudit.probes.AccessPreflight;
import io.egressaudit.probes.AuditApiClient;
import io.egressaudit.probes.AuditApiException;
import io.egressaudit.probes.Fabric8PodExecutor;
import io.egressaudit.probes.ReportSpec;
import io.egressaudit.probes.drill.ExecDrillProber;
import io.egressaudit.probes.drill.FailoverDrill;
import io.egressaudit.probes.drill.FailoverDrillReport;
import io.egressaudit.probes.drill.FailoverNotPossibleException;
import io.egressaudit.server.KubernetesObjectsModel;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code egress-audit drill}: drills that fail a part of the egress path on purpose. */
@Command(
    name = "drill",
    description = "Fail a part of the egress path on purpose and measure what the namespaces see.",
    subcommands = {DrillCommand.Failover.class, CommandLine.HelpCommand.class})
final class DrillCommand {

  @Mixin HelpOption help;

  /** {@code egress-audit drill failover --egressip NAME}. */
  @Command(
      name = "failover",
      sortOptions = false,
      description = {
        "Probe every namespace of an EgressIP every --interval (from a pod on its egress node and"
            + " one elsewhere, through pod exec, as probe does) while its egress node fails, and"
            + " report when the status moved and where, the outage per namespace, every leak (a"
            + " probe that arrived from an IP not of the EgressIP), and the timeline.",
        "",
        "--trigger unlabel removes k8s.ovn.org/egress-assignable from the egress node and puts it"
            + " back at the end, on errors and on Ctrl-C; --trigger none waits for you to fail the"
            + " node (shut it down, cut its network).",
        "",
        "Ctrl-C or SIGTERM (a cancelled CI job) interrupts the drill: it puts the label back,"
            + " prints its summary and writes each --report with interrupted: true (waiting at"
            + " most 10 s), then exits with the signal's code, 130 or 143.",
        "",
        "The audit server's API is asked again for up to 30 s when it does not answer (serve"
            + " restarted); after that the drill stops, puts the label back and reports what it"
            + " measured with the error (exit 3).",
        "",
        "Passes when the status moved, every namespace then had --settle good probes in a row, no"
            + " outage was longer than --max-outage and nothing leaked. An EgressIP with several"
            + " IPs, or without a second egress-assignable node, is refused before anything is"
            + " changed (exit 1, reports written); so is an EgressIP the cluster does not have.",
        "",
        "What fails it (JUnit failure or error type):",
        "  failover            failure: no failover seen, or the status never moved",
        "  outage              failure: a namespace's outage was longer than --max-outage",
        "  outage-ongoing      failure: a namespace's probes not arriving at the end",
        "  not-settled         failure: a namespace had not --settle good probes in a row",
        "  leak                failure: a probe left with an IP not of the EgressIP",
        "  not-possible        failure: refused at the start (not found, no failover)",
        "  not-sent            error: no probe of a namespace could be sent (exec failed)",
        "  label-not-restored  error: the label could not be put back (the run says how)",
        "  interrupted         error: stopped by Ctrl-C or SIGTERM",
        "  unreachable         error: cluster or audit server lost during the drill",
        "Errors fail the drill as failures do (exit 1, or 3 for unreachable)."
      },
      footer = {
        "",
        "Example:",
        "  egress-audit drill failover --egressip egressip-demo --trigger unlabel \\",
        "      --target http://192.168.126.1:8080 --api http://127.0.0.1:9090 \\",
        "      --report junit:drill.xml --report json:drill.json",
        "",
        "RBAC: deploy/probe-rbac.yaml; --trigger unlabel also needs its ClusterRole",
        "egress-audit-drill-unlabel (patch nodes). The run checks them first."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:the drill passed",
        "1:the drill failed, or the EgressIP does not exist or cannot fail over",
        "2:wrong usage (options, kubeconfig, a --report file that cannot be written)",
        "3:the cluster or the audit server cannot be reached, or refuses the runner, or was"
            + " lost during the drill",
        "130:stopped by Ctrl-C (SIGINT); label put back, reports written",
        "143:stopped by SIGTERM; label put back, reports written"
      })
  static final class Failover implements Callable<Integer> {

    static final int UNREACHABLE = 3;

    /**
     * What {@code call} returns when the drill was interrupted in the JVM; a signal's exit code
     * (130, 143) is the JVM's own.
     */
    static final int INTERRUPTED = 130;

    /** The shortest {@code --interval}. */
    static final Duration MIN_INTERVAL = Duration.ofMillis(100);

    @Spec CommandSpec spec;

    @Option(
        names = "--egressip",
        required = true,
        paramLabel = "NAME",
        description = "The EgressIP to drill.")
    String egressIp;

    @Option(
        names = "--trigger",
        defaultValue = "none",
        paramLabel = "HOW",
        converter = Converters.DrillTrigger.class,
        description =
            "none (fail the node yourself) or unlabel (the drill removes"
                + " k8s.ovn.org/egress-assignable). Default: ${DEFAULT-VALUE}.")
    FailoverDrill.Trigger trigger;

    @Option(
        names = "--interval",
        defaultValue = "1s",
        paramLabel = "DURATION",
        converter = Converters.PositiveDuration.class,
        description =
            "Time between two rounds of probes, at least 100ms. Default: ${DEFAULT-VALUE}.")
    Duration interval;

    @Option(
        names = "--max-outage",
        defaultValue = "60s",
        paramLabel = "DURATION",
        converter = Converters.DurationValue.class,
        description =
            "Longest outage that passes; no longer than --timeout. Default: ${DEFAULT-VALUE}, or"
                + " --timeout when shorter.")
    Duration maxOutage;

    @Option(
        names = "--settle",
        defaultValue = "5",
        paramLabel = "N",
        converter = Converters.AtLeastOne.class,
        description =
            "Good probes in a row per namespace after the move that end the drill. Default:"
                + " ${DEFAULT-VALUE}.")
    int settle;

    @Option(
        names = "--timeout",
        defaultValue = "5m",
        paramLabel = "DURATION",
        converter = Converters.DurationValue.class,
        description =
            "When the drill ends at the latest; at least --interval. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin InPodProbeOptions where;

    @Option(
        names = "--parallel",
        paramLabel = "N",
        defaultValue = "8",
        converter = Converters.AtLeastOne.class,
        description = "How many pod execs run at once. Default: ${DEFAULT-VALUE}.")
    int parallel;

    @Option(
        names = "--exec-timeout",
        paramLabel = "DURATION",
        defaultValue = "5s",
        converter = Converters.ExecTimeout.class,
        description =
            "How long one exec may take; curl and wget get one second less. Default:"
                + " ${DEFAULT-VALUE} (probe: 15s; a drill's rounds are short).")
    Duration execTimeout;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      // each refused or interrupted exec is in the timeline and the reports (not-sent, with why)
      ProbeCommand.quietExecLogs();
      checkLimits();
      // the converters and checkLimits have checked what DrillLimits requires: a throw is a bug
      DrillLimits limits = new DrillLimits(interval, maxOutage, settle);
      AuditApiClient apiClient = where.apiClient();
      ClusterConnection connection = where.connection();
      try (StopOnShutdown stop = StopOnShutdown.install("drill")) {
        return run(limits, apiClient, connection, stop);
      }
    }

    /**
     * Refuses, before the cluster is touched, limits with which the drill would remove the label
     * for nothing: a timeout that ends it before its second round, an outage limit it could never
     * measure, rounds too close to each other. A default --max-outage longer than --timeout is
     * lowered to it.
     *
     * @throws UsageError naming the options
     */
    private void checkLimits() {
      if (interval.compareTo(MIN_INTERVAL) < 0) {
        throw new UsageError(
            spec,
            "--interval "
                + interval.toMillis()
                + "ms is shorter than "
                + MIN_INTERVAL.toMillis()
                + "ms, the shortest time between two rounds of probes");
      }
      if (timeout.isZero() || timeout.compareTo(interval) < 0) {
        throw new UsageError(
            spec,
            "--timeout "
                + text(timeout)
                + " is shorter than --interval "
                + text(interval)
                + ": the drill would end before its second round of probes");
      }
      boolean maxOutageGiven =
          spec.commandLine().getParseResult() != null
              && spec.commandLine().getParseResult().hasMatchedOption("--max-outage");
      if (!maxOutageGiven && maxOutage.compareTo(timeout) > 0) {
        // the default, 60 s, with a shorter --timeout: no outage can outlast the drill anyway
        maxOutage = timeout;
      }
      if (maxOutage.compareTo(timeout) > 0) {
        throw new UsageError(
            spec,
            "--max-outage "
                + text(maxOutage)
                + " is longer than --timeout "
                + text(timeout)
                + ": no outage could last that long; lower --max-outage or raise --timeout");
      }
    }

    private static String text(Duration d) {
      return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private int run(
        DrillLimits limits,
        AuditApiClient apiClient,
        ClusterConnection connection,
        StopOnShutdown stop) {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Instant started = Instant.now();
      try (KubernetesClient client = connection.connect()) {
        apiClient.check();
        InPodProbeOptions.checkCluster(client, connection);
        boolean unlabel = trigger == FailoverDrill.Trigger.UNLABEL;
        List<AccessPreflight.Permission> missing =
            AccessPreflight.missing(client, AccessPreflight.forDrill(unlabel));
        if (!missing.isEmpty()) {
          return unreachable(
              err,
              connection,
              started,
              "cluster "
                  + connection.cluster()
                  + ": "
                  + AccessPreflight.explain(
                      missing, "drill failover" + (unlabel ? " --trigger unlabel" : "")));
        }
        FailoverDrill.Outcome outcome;
        try {
          outcome =
              new FailoverDrill(
                      client,
                      KubernetesObjectsModel.INSTANCE,
                      new ExecDrillProber(
                          new Fabric8PodExecutor(client),
                          apiClient,
                          where.target.toString(),
                          execTimeout,
                          ExecDrillProber.API_RETRY_FOR),
                      new FailoverDrill.Settings(egressIp, trigger, limits, timeout, parallel),
                      Clock.systemUTC())
                  .run();
        } catch (FailoverNotPossibleException e) {
          for (String p : e.problems()) {
            err.println(spec.qualifiedName() + ": " + p);
          }
          outcome =
              FailoverDrill.Outcome.refused(egressIp, started, Instant.now(), false, e.problems());
        }
        return finish(outcome, limits, connection, out, err);
      } catch (AuditApiException | ClusterUnreachableException | KubernetesClientException e) {
        if (stop.stopping() || Thread.currentThread().isInterrupted()) {
          return interruptedBeforeStart(limits, connection, started, out, err);
        }
        String message =
            e instanceof KubernetesClientException k
                ? InPodProbeOptions.clusterMessage(connection, k)
                // also an API that answers but not as the audit server, as for probe
                : e.getMessage();
        return unreachable(err, connection, started, message);
      }
    }

    /** Prints the summary, writes every report, and says the exit code. */
    private int finish(
        FailoverDrill.Outcome outcome,
        DrillLimits limits,
        ClusterConnection connection,
        PrintWriter out,
        PrintWriter err) {
      // an interrupt (Ctrl-C) must not stop the reports from being written: files opened by an
      // interrupted thread are closed at once (ClosedByInterruptException)
      Thread.interrupted();
      FailoverDrillReport report =
          new FailoverDrillReport(
              connection.cluster(), where.target.toString(), where.api.toString(), limits, outcome);
      if (outcome.started()) {
        DrillReports.text(report, out);
      }
      int code =
          outcome.interrupted()
              ? INTERRUPTED
              : !outcome.started()
                  ? 1
                  : outcome.error() != null ? UNREACHABLE : report.passed() ? 0 : 1;
      if (outcome.started() && outcome.error() != null && !outcome.interrupted()) {
        err.println(spec.qualifiedName() + ": " + outcome.error());
      }
      for (ReportSpec r : where.reports) {
        try {
          r.write(report);
        } catch (UncheckedIOException e) {
          code = fail(err, "--report " + r.describe() + ": " + e.getCause().getMessage(), 2);
        }
      }
      err.flush();
      return code;
    }

    private int interruptedBeforeStart(
        DrillLimits limits,
        ClusterConnection connection,
        Instant started,
        PrintWriter out,
        PrintWriter err) {
      String why = "interrupted before the drill started; nothing was changed";
      err.println(spec.qualifiedName() + ": " + why);
      return finish(
          FailoverDrill.Outcome.refused(egressIp, started, Instant.now(), true, List.of(why)),
          limits,
          connection,
          out,
          err);
    }

    /** Says why the run could not start or go on, writes each --report saying so, exit 3. */
    private int unreachable(
        PrintWriter err, ClusterConnection connection, Instant started, String message) {
      fail(err, message, UNREACHABLE);
      where.writeUnreachable(
          spec.qualifiedName(),
          FailoverDrillReport.REPORT,
          connection.cluster(),
          null,
          started,
          message,
          err);
      err.flush();
      return UNREACHABLE;
    }

    private int fail(PrintWriter err, String message, int code) {
      err.println(spec.qualifiedName() + ": " + message);
      err.flush();
      return code;
    }
  }
}
