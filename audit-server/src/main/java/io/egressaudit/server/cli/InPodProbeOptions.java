package io.egressaudit.server.cli;

import io.egressaudit.controller.informer.ApiServerCheck;
import io.egressaudit.controller.informer.ClusterConnection;
import io.egressaudit.controller.informer.ClusterUnreachableException;
import io.egressaudit.controller.informer.KubeconfigClusters;
import io.egressaudit.controller.informer.KubeconfigException;
import io.egressaudit.probes.AuditApiClient;
import io.egressaudit.probes.ReportSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options every command that probes from inside pods shares ({@code probe}, {@code drill
 * failover}): where the cluster is ({@code --kubeconfig}, {@code --context}), where the pods send
 * their requests ({@code --target}), where the audit server's API is ({@code --api}, {@code
 * --api-token-file}), and the machine reports ({@code --report}). URLs and reports are read by
 * {@link Converters} as picocli parses the line; the kubeconfig and the token file are read when
 * the command runs. Either way a wrong value is a {@link ParameterException} of the command that
 * mixes them in (exit 2).
 */
final class InPodProbeOptions {

  /** The command these options are mixed into, for its usage errors. */
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description =
          "The kubeconfig file. Default, as kubectl: the files of $KUBECONFIG (joined by :), else"
              + " $HOME/.kube/config.")
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
      converter = Converters.HttpUrl.class,
      description =
          "The hit listener as pods reach it, such as http://192.168.126.1:8080; probes request"
              + " URL/probe/<id>.")
  URI target;

  @Option(
      names = "--api",
      required = true,
      paramLabel = "URL",
      converter = Converters.HttpUrl.class,
      description =
          "The audit server's API as this runner reaches it, such as http://127.0.0.1:9090.")
  URI api;

  @Option(
      names = "--api-token-file",
      paramLabel = "FILE",
      description = "A file holding the API's bearer token (one line).")
  Path apiTokenFile;

  @Option(
      names = "--report",
      paramLabel = "FORMAT:FILE",
      converter = Converters.Report.class,
      description =
          "Also write the report as junit:FILE (JUnit XML) or json:FILE. Repeat for several. The"
              + " table goes to stdout in any case.")
  List<ReportSpec> reports = new ArrayList<>();

  /**
   * The cluster of {@code --kubeconfig} and {@code --context}.
   *
   * @throws ParameterException when the kubeconfig cannot be read or has no such context
   */
  ClusterConnection connection() {
    try {
      return UsageError.of(
              mixee,
              () ->
                  KubeconfigClusters.select(
                      kubeconfig, context == null ? List.of() : List.of(context)))
          .get(0);
    } catch (KubeconfigException e) {
      throw usage(withPlace(e));
    }
  }

  /**
   * A kubeconfig's message with the line and column of its YAML or JSON error, when the parser's
   * exception knows them (snakeyaml-engine's marks, Jackson's location): {@code kubeconfig F is not
   * a kubeconfig: line 6, column 9: expected ',' or ']' (while parsing a flow sequence at line 5,
   * column 9)}.
   */
  static String withPlace(KubeconfigException e) {
    String m = e.getMessage();
    int cut = m.indexOf(" is not a kubeconfig: ");
    if (cut < 0) {
      return m;
    }
    String head = m.substring(0, cut) + " is not a kubeconfig: ";
    for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException y
          && y.getProblemMark().isPresent()) {
        var at = y.getProblemMark().get();
        String context =
            y.getContext() == null
                ? ""
                : " ("
                    + y.getContext()
                    + y.getContextMark()
                        .map(
                            c ->
                                " at line " + (c.getLine() + 1) + ", column " + (c.getColumn() + 1))
                        .orElse("")
                    + ")";
        return head
            + "line "
            + (at.getLine() + 1)
            + ", column "
            + (at.getColumn() + 1)
            + ": "
            + firstLine(y.getProblem())
            + context;
      }
      if (t instanceof tools.jackson.core.JacksonException j
          && j.getLocation() != null
          && j.getLocation().getLineNr() > 0) {
        return head
            + "line "
            + j.getLocation().getLineNr()
            + ", column "
            + j.getLocation().getColumnNr()
            + ": "
            + firstLine(j.getOriginalMessage());
      }
      if (t instanceof tools.jackson.core.JacksonException j && !j.getPath().isEmpty()) {
        // a YAML kubeconfig is read as a tree first: a wrong type has a field path, no line
        List<String> path = new ArrayList<>();
        for (tools.jackson.core.JacksonException.Reference r : j.getPath()) {
          path.add(r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]");
        }
        return head
            + "field "
            + String.join(".", path).replace(".[", "[")
            + ": "
            + firstLine(j.getOriginalMessage());
      }
    }
    return m;
  }

  /**
   * Writes every {@code --report} of a run that ends with exit 3, as an {@link UnreachableReport}
   * saying why; a report that cannot be written is one more line on {@code err}, the exit code
   * stays 3.
   *
   * @param command the command's qualified name, such as {@code egress-audit probe}
   * @param report the JSON {@code report} key
   * @param cluster the kubeconfig cluster's name
   * @param policy the policy file, or null
   * @param startedAt when the run started
   * @param message why it could not run, as printed
   * @param err where to say a report could not be written
   */
  void writeUnreachable(
      String command,
      String report,
      String cluster,
      String policy,
      Instant startedAt,
      String message,
      PrintWriter err) {
    writeNotRun("unreachable", command, report, cluster, policy, startedAt, message, err);
  }

  /**
   * Writes every {@code --report} of a run that did not get to its results, as an {@link
   * UnreachableReport} of this kind ({@code unreachable}, {@code interrupted}).
   */
  void writeNotRun(
      String kind,
      String command,
      String report,
      String cluster,
      String policy,
      Instant startedAt,
      String message,
      PrintWriter err) {
    UnreachableReport r =
        new UnreachableReport(
            kind,
            report,
            command,
            cluster,
            String.valueOf(target),
            String.valueOf(api),
            policy,
            startedAt,
            Instant.now(),
            message);
    for (ReportSpec spec : reports) {
      try {
        spec.write(r);
      } catch (UncheckedIOException e) {
        err.println(command + ": --report " + spec.describe() + ": " + e.getCause().getMessage());
      }
    }
  }

  /**
   * A client of {@code --api} with the token of {@code --api-token-file}, each call bounded by 10
   * s.
   *
   * @throws ParameterException when the token file cannot be read or is not one line
   */
  AuditApiClient apiClient() {
    return new AuditApiClient(api, token(), Duration.ofSeconds(10));
  }

  /**
   * Checks, before any work, that the cluster's API server answers ({@link ApiServerCheck}: one
   * {@code GET /version}, no retry, at most {@value #CLUSTER_CHECK_SECONDS} s), so an unreachable
   * cluster is said at once rather than after fabric8's ~20 s of request retries.
   *
   * @throws ClusterUnreachableException naming the context, the server URL and the reason
   */
  static void checkCluster(KubernetesClient client, ClusterConnection connection) {
    ApiServerCheck.check(client, connection.cluster(), Duration.ofSeconds(CLUSTER_CHECK_SECONDS));
  }

  /** The bound of {@link #checkCluster}. */
  static final int CLUSTER_CHECK_SECONDS = 5;

  /**
   * A one-line message for a cluster that cannot be read: its name, server, and the HTTP status or
   * the root cause.
   */
  static String clusterMessage(ClusterConnection c, KubernetesClientException e) {
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
    } catch (java.nio.file.NoSuchFileException e) {
      throw usage("cannot read --api-token-file " + apiTokenFile + ": no such file");
    } catch (java.nio.file.AccessDeniedException e) {
      throw usage("cannot read --api-token-file " + apiTokenFile + ": permission denied");
    } catch (IOException e) {
      String why = Files.isDirectory(apiTokenFile) ? "it is a directory" : e.getMessage();
      throw usage("cannot read --api-token-file " + apiTokenFile + ": " + why);
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(mixee.commandLine(), message);
  }
}
