package io.egressaudit.server.cli;

import io.egressaudit.controller.informer.ClusterConnection;
import io.egressaudit.controller.informer.KubeconfigClusters;
import io.egressaudit.controller.informer.KubeconfigException;
import io.egressaudit.correlator.probe.ExpectationRules;
import io.egressaudit.correlator.probe.ProbePolicy;
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
import io.egressaudit.probes.TableReport;
import io.egressaudit.server.KubernetesObjectsModel;
import io.egressaudit.server.TimeArg;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import picocli.CommandLine.ParameterException;
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
      "Verdicts: pass, wrong-source, not-arrived, exec-failed, no-http-client, no-ready-pod,"
          + " inconclusive, blocked-as-expected, got-through, egress-ip-unassigned."
    },
    footer = {
      "",
      "Examples:",
      "  egress-audit probe --target http://192.168.126.1:8080 --api http://127.0.0.1:9090",
      "  egress-audit probe --context prod --target http://192.168.126.1:8080 \\",
      "      --api https://bastion:9090 --api-token-file /run/secrets/egress-audit-token \\",
      "      --policy firewall-policy.yaml --retry-for 30s --report junit:probe.xml"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every verdict passes",
      "1:a verdict fails",
      "2:wrong usage (options, kubeconfig, policy file)",
      "3:the cluster or the audit server cannot be reached, or refuses the runner"
    })
final class ProbeCommand implements Callable<Integer> {

  /** Exit code when the cluster or the audit server cannot be reached. */
  static final int UNREACHABLE = 3;

  @Spec CommandSpec spec;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "The kubeconfig file. Default: KUBECONFIG, else ~/.kube/config.")
  Path kubeconfig;

  @Option(
      names = "--context",
      paramLabel = "NAME",
      description = "The kubeconfig context. Default: its current-context.")
  String context;

  @Option(
      names = "--target",
      required = true,
      paramLabel = "URL",
      description =
          "The hit listener as pods reach it, such as http://192.168.126.1:8080; probes request"
              + " URL/probe/<id>.")
  String target;

  @Option(
      names = "--api",
      required = true,
      paramLabel = "URL",
      description =
          "The audit server's API as this runner reaches it, such as http://127.0.0.1:9090.")
  URI api;

  @Option(
      names = "--api-token-file",
      paramLabel = "FILE",
      description = "A file holding the API's bearer token (one line).")
  Path apiTokenFile;

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
      description =
          "Probe a pod again while its probe did not arrive or arrived from a wrong IP, for up to"
              + " this long after its first probe (such as 30s, 2m). Default: ${DEFAULT-VALUE}, no"
              + " retry.")
  String retryFor;

  @Option(
      names = "--parallel",
      paramLabel = "N",
      defaultValue = "8",
      description = "How many pod execs run at once. Default: ${DEFAULT-VALUE}.")
  int parallel;

  @Option(
      names = "--exec-timeout",
      paramLabel = "DURATION",
      defaultValue = "15s",
      description =
          "How long one exec may take; curl and wget get one second less. Default:"
              + " ${DEFAULT-VALUE}.")
  String execTimeout;

  @Mixin HelpOption help;

  /** {@code --pods} values. */
  enum PodChoice {
    one,
    all
  }

  /** Pause between two attempts on one pod. */
  static final Duration RETRY_INTERVAL = Duration.ofSeconds(1);

  @Override
  public Integer call() {
    Duration retry = TimeArg.duration(retryFor, "--retry-for");
    Duration timeout = TimeArg.duration(execTimeout, "--exec-timeout");
    if (timeout.compareTo(Duration.ofSeconds(2)) < 0) {
      throw usage("--exec-timeout must be at least 2s, not " + execTimeout);
    }
    if (parallel < 1) {
      throw usage("--parallel must be at least 1, not " + parallel);
    }
    checkUrl(target, "--target");
    checkUrl(api.toString(), "--api");
    String token = token();
    ProbePolicy policy = null;
    ClusterConnection connection;
    try {
      connection =
          KubeconfigClusters.select(kubeconfig, context == null ? List.of() : List.of(context))
              .get(0);
    } catch (KubeconfigException e) {
      throw usage(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Instant started = Instant.now();
    AuditApiClient apiClient = new AuditApiClient(api, token, Duration.ofSeconds(10));
    try (KubernetesClient client = connection.connect()) {
      apiClient.check();
      ClusterView view =
          new ClusterReader(client, KubernetesObjectsModel.INSTANCE)
              .read(connection.cluster(), selector);
      ProbePlan plan =
          ProbePlanner.plan(
              view,
              new ProbePlanner.Selection(
                  namespaces, allNamespaces, pods == PodChoice.all, policy, selector));
      Prober prober =
          new Prober(new Fabric8PodExecutor(client), apiClient, target, timeout, Clock.systemUTC());
      final ProbePolicy p = policy;
      List<ProbeResult> results =
          new ProbeRunner(prober, new ProbeRunner.Settings(retry, RETRY_INTERVAL, parallel))
              .run(plan, t -> ExpectationRules.forPod(view.snapshot(), t.namespace(), t.pod(), p));
      ProbeReport report =
          new ProbeReport(
              connection.cluster(),
              target,
              api.toString(),
              null,
              started,
              Instant.now(),
              results,
              view.notes());
      TableReport.write(report, out);
      return report.passed() ? 0 : 1;
    } catch (AuditApiException e) {
      return fail(err, e.getMessage(), e.unreachable() ? UNREACHABLE : 1);
    } catch (KubernetesClientException e) {
      return fail(err, clusterMessage(connection, e), UNREACHABLE);
    }
  }

  private int fail(PrintWriter err, String message, int code) {
    err.println(spec.qualifiedName() + ": " + message);
    err.flush();
    return code;
  }

  private static String clusterMessage(ClusterConnection c, KubernetesClientException e) {
    String why =
        e.getCode() > 0
            ? "HTTP " + e.getCode() + ": " + firstLine(e.getMessage())
            : firstLine(rootMessage(e));
    return "cannot read cluster " + c.cluster() + " at " + c.server() + ": " + why;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : " " + m);
  }

  private static String firstLine(String m) {
    if (m == null) {
      return "no message";
    }
    String first = m.strip().split("\\R", 2)[0];
    return first.length() <= 300 ? first : first.substring(0, 297) + "...";
  }

  private String token() {
    if (apiTokenFile == null) {
      return null;
    }
    try {
      String t = Files.readString(apiTokenFile, StandardCharsets.UTF_8).strip();
      if (t.isEmpty() || t.contains("\n")) {
        throw usage("--api-token-file " + apiTokenFile + ": expected one line holding the token");
      }
      return t;
    } catch (IOException e) {
      throw usage("--api-token-file " + apiTokenFile + ": cannot read it (" + e + ")");
    }
  }

  private void checkUrl(String url, String option) {
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw usage(option + " '" + url + "' is not a URL");
    }
    if (u.getScheme() == null
        || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
        || u.getHost() == null) {
      throw usage(
          option + " '" + url + "' is not an http(s) URL such as http://192.168.126.1:8080");
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
