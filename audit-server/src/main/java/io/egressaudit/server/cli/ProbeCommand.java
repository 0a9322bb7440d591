package io.egressaudit.server.cli;

import io.egressaudit.controller.informer.ClusterConnection;
import io.egressaudit.controller.informer.ClusterUnreachableException;
import io.egressaudit.correlator.probe.ExpectationRules;
import io.egressaudit.correlator.probe.ProbePolicy;
import io.egressaudit.probes.AccessPreflight;
import io.egressaudit.probes.AuditApiClient;
import io.egressaudit.probes.AuditApiException;
import io.egressaudit.probes.ClusterReader;
import io.egressaudit.probes.ClusterView;
import io.egressaudit.probes.Fabric8PodExecutor;
import io.egressaudit.probes.ProbePlan;
import io.egressaudit.probes.ProbePlanner;
import io.egressaudit.probes.ProbeReport;
import io.egressaudit.probes.ProbeResult;
import io.egressaudit.probes.ProbeRunner;
import io.egressaudit.probes.Prober;
import io.egressaudit.probes.ReportSpec;
import io.egressaudit.probes.TableReport;
import io.egressaudit.server.KubernetesObjectsModel;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code egress-audit probe}: curl from inside pods to the hit listener and check that each
 * namespace left with the source IP it must have.
 */
@Command(
    name = "probe",
    sortOptions = false,
    description = {
      "Send a request from inside pods (Kubernetes pod exec, curl or else wget) to the hit listener"
          + " with a unique probe id, ask the audit server's API which source IP that id arrived"
          + " from, and compare with what the namespace must leave with.",
      "",
      "Checked namespaces: every namespace an EgressIP selects, plus --namespace and those the"
          + " --policy names; or all with --all-namespaces. Expected source IPs: the assigned IPs of"
          + " the EgressIP that selects the pod (any of them: ECMP), else the pod's node IP; an"
          + " EgressIP with no assigned IP fails on its own. A --policy replaces this for the"
          + " namespaces it names.",
      "",
      "Verdicts (JUnit failure, error or skipped):",
      "  pass                  arrived, only from IPs the namespace may leave with",
      "  blocked-as-expected   a mustNotArrive namespace's probe did not arrive",
      "  wrong-source          failure: arrived from an IP not allowed (node IP: leak)",
      "  not-arrived           failure: the request ran but never reached the server",
      "  got-through           failure: a mustNotArrive namespace's probe arrived",
      "  egress-ip-unassigned  failure: the namespace's EgressIP has no assigned IP",
      "  exec-failed           error: the pod exec was refused or broke (403, pod gone)",
      "  no-http-client        error: the container has neither curl nor wget",
      "  no-ready-pod          error: the namespace has pods, none running and Ready",
      "  inconclusive          error: the client's output could not be read",
      "  no-pods               skipped (with -A): no pod at all, nothing to probe",
      "Errors fail the run as failures do (exit 1); no-pods does not.",
      "",
      "Ctrl-C or SIGTERM (a cancelled CI job) stops the run: each --report is written saying"
          + " 'interrupted', then the exit code is the signal's, 130 or 143."
    },
    footer = {
      "",
      "Examples:",
      "  egress-audit probe --target http://192.168.126.1:8080 \\",
      "      --api http://127.0.0.1:9090",
      "  egress-audit probe --context prod \\",
      "      --target http://192.168.126.1:8080 \\",
      "      --api https://bastion:9090 \\",
      "      --api-token-file /run/secrets/egress-audit-token \\",
      "      --policy firewall-policy.yaml --retry-for 30s \\",
      "      --report junit:probe.xml --report json:probe.json",
      "",
      "RBAC: deploy/probe-rbac.yaml; the run checks it first (SelfSubjectAccessReview)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every verdict passes",
      "1:a verdict fails",
      "2:wrong usage (options, kubeconfig, policy file, a --report file that cannot be written)",
      "3:the cluster or the audit server cannot be reached, or refuses the runner",
      "130:stopped by Ctrl-C (SIGINT), reports written",
      "143:stopped by SIGTERM, reports written"
    })
final class ProbeCommand implements Callable<Integer> {

  /** Exit code when the cluster or the audit server cannot be reached. */
  static final int UNREACHABLE = 3;

  @Spec CommandSpec spec;

  @Mixin InPodProbeOptions where;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description = "Also check this namespace. Repeat for several.")
  List<String> namespaces = new ArrayList<>();

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "Check every namespace of the cluster.")
  boolean allNamespaces;

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      converter = Converters.Policy.class,
      description =
          "Expected source IPs from this YAML file instead of the cluster, for the namespaces it"
              + " names: namespaces: {NS: {allow: [IP or CIDR, ...]}} or {NS: {mustNotArrive:"
              + " true}} (the probe must not arrive at all).")
  PolicyOption policy;

  @Option(
      names = "--pods",
      paramLabel = "one|all",
      defaultValue = "one",
      description =
          "Probe from one running, Ready pod per namespace (the first by name), or from all."
              + " Default: ${DEFAULT-VALUE}.")
  PodChoice pods;

  @Option(
      names = {"-l", "--selector"},
      paramLabel = "SELECTOR",
      description = "Probe only from pods matching this label selector, such as app=homer.")
  String selector;

  @Option(
      names = "--retry-for",
      paramLabel = "DURATION",
      defaultValue = "0s",
      converter = Converters.DurationValue.class,
      description =
          "Probe a pod again while its probe did not arrive or arrived from a wrong IP, for up to"
              + " this long after its first probe (such as 30s, 2m). Default: ${DEFAULT-VALUE}, no"
              + " retry.")
  Duration retryFor;

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
      defaultValue = "15s",
      converter = Converters.ExecTimeout.class,
      description =
          "How long one exec may take; curl and wget get one second less. Default:"
              + " ${DEFAULT-VALUE}.")
  Duration execTimeout;

  @Mixin HelpOption help;

  /** {@code --pods} values. */
  enum PodChoice {
    one,
    all
  }

  /** Pause between two attempts on one pod. */
  static final Duration RETRY_INTERVAL = Duration.ofSeconds(1);

  /**
   * fabric8 logs a refused exec as an ERROR with a stack trace before handing it back; the run
   * reports each refusal as an exec-failed verdict, so those lines would only bury the table.
   */
  static void quietExecLogs() {
    String key = "org.slf4j.simpleLogger.log.io.fabric8.kubernetes.client.dsl.internal";
    if (System.getProperty(key) == null) {
      System.setProperty(key, "off");
    }
  }

  /**
   * What {@code call} returns when the run was interrupted in the JVM; a signal's exit code (130,
   * 143) is the JVM's own.
   */
  static final int INTERRUPTED = 130;

  @Override
  public Integer call() {
    quietExecLogs();
    AuditApiClient apiClient = where.apiClient();
    ProbePolicy p = policy == null ? null : policy.policy();
    ClusterConnection connection = where.connection();
    try (StopOnShutdown stop = StopOnShutdown.install("probe")) {
      return run(apiClient, p, connection, stop);
    }
  }

  private int run(
      AuditApiClient apiClient, ProbePolicy p, ClusterConnection connection, StopOnShutdown stop) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Instant started = Instant.now();
    try (KubernetesClient client = connection.connect()) {
      apiClient.check();
      InPodProbeOptions.checkCluster(client, connection);
      List<AccessPreflight.Permission> missing = AccessPreflight.missing(client);
      if (!missing.isEmpty()) {
        return unreachable(
            err,
            connection,
            started,
            "cluster " + connection.cluster() + ": " + AccessPreflight.explain(missing));
      }
      ClusterView view =
          new ClusterReader(client, KubernetesObjectsModel.INSTANCE)
              .read(connection.cluster(), selector);
      for (String ns : namespaces) {
        if (view.snapshot().namespace(ns) == null) {
          throw new UsageError(
              spec,
              "--namespace "
                  + ns
                  + ": no such namespace in cluster "
                  + connection.cluster()
                  + " at "
                  + connection.server());
        }
      }
      ProbePlan plan =
          ProbePlanner.plan(
              view,
              new ProbePlanner.Selection(
                  namespaces, allNamespaces, pods == PodChoice.all, p, selector));
      Prober prober =
          new Prober(
              new Fabric8PodExecutor(client),
              apiClient,
              where.target.toString(),
              execTimeout,
              Clock.systemUTC());
      List<ProbeResult> results;
      try {
        results =
            new ProbeRunner(prober, new ProbeRunner.Settings(retryFor, RETRY_INTERVAL, parallel))
                .run(
                    plan, t -> ExpectationRules.forPod(view.snapshot(), t.namespace(), t.pod(), p));
      } catch (IllegalStateException e) {
        if (interrupted(stop)) {
          return interrupted(err, connection, started, plan.targets().size());
        }
        throw e;
      }
      ProbeReport report =
          new ProbeReport(
              connection.cluster(),
              where.target.toString(),
              where.api.toString(),
              policy == null ? null : policy.file().toString(),
              started,
              Instant.now(),
              results,
              view.notes());
      TableReport.write(report, out);
      for (ReportSpec r : where.reports) {
        try {
          r.write(report);
        } catch (UncheckedIOException e) {
          return fail(err, "--report " + r.describe() + ": " + e.getCause().getMessage(), 2);
        }
      }
      return report.passed() ? 0 : 1;
    } catch (AuditApiException e) {
      if (interrupted(stop)) {
        return interrupted(err, connection, started, -1);
      }
      // also an API that answers but not as the audit server (--api pointing at the hit listener)
      return unreachable(err, connection, started, e.getMessage());
    } catch (ClusterUnreachableException e) {
      if (interrupted(stop)) {
        return interrupted(err, connection, started, -1);
      }
      return unreachable(err, connection, started, e.getMessage());
    } catch (KubernetesClientException e) {
      if (interrupted(stop)) {
        return interrupted(err, connection, started, -1);
      }
      return unreachable(err, connection, started, InPodProbeOptions.clusterMessage(connection, e));
    }
  }

  private static boolean interrupted(StopOnShutdown stop) {
    return stop.stopping() || Thread.currentThread().isInterrupted();
  }

  /**
   * Says the run was stopped (Ctrl-C, SIGTERM) and writes each --report saying so (the JUnit case
   * {@code interrupted}, the JSON {@code error}); no results, since a run cut short proves nothing.
   */
  private int interrupted(
      PrintWriter err, ClusterConnection connection, Instant started, int pods) {
    // files opened by an interrupted thread are closed at once (ClosedByInterruptException)
    Thread.interrupted();
    String message =
        "interrupted (Ctrl-C or SIGTERM) "
            + (pods < 0
                ? "before probing"
                : "while probing from " + pods + (pods == 1 ? " pod" : " pods"))
            + "; no result was judged";
    err.println(spec.qualifiedName() + ": " + message);
    where.writeNotRun(
        "interrupted",
        spec.qualifiedName(),
        "egress-audit-probe",
        connection.cluster(),
        policy == null ? null : policy.file().toString(),
        started,
        message,
        err);
    err.flush();
    return INTERRUPTED;
  }

  /** Says why the run could not start or go on, writes each --report saying so, exit 3. */
  private int unreachable(
      PrintWriter err, ClusterConnection connection, Instant started, String message) {
    fail(err, message, UNREACHABLE);
    where.writeUnreachable(
        spec.qualifiedName(),
        "egress-audit-probe",
        connection.cluster(),
        policy == null ? null : policy.file().toString(),
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
