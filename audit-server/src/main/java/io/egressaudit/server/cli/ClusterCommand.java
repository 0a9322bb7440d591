package io.egressaudit.server.cli;

import io.egressaudit.server.ClusterStateImport;
import io.egressaudit.server.TimeArg;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code egress-audit cluster ...}: cluster state history. */
@Command(
    name = "cluster",
    description = "Manage the cluster state history that attribution reads.",
    subcommands = {ClusterCommand.Import.class})
final class ClusterCommand {

  @Mixin HelpOption help;

  /** {@code egress-audit cluster import FILE --at T}. */
  @Command(
      name = "import",
      sortOptions = false,
      description = {
        "Record a snapshot of a cluster, as kubectl prints it, as the cluster's state from --at on.",
        "Objects of the cluster missing from the file are taken as deleted at --at; unchanged ones keep"
            + " their history. Only Node, Namespace, Pod and EgressIP objects are used; other kinds are"
            + " skipped with a note."
      },
      footer = {
        "",
        "Make the file with:",
        "  kubectl get nodes,namespaces,pods,egressips -A -o yaml > cluster.yaml",
        "Examples:",
        "  egress-audit cluster import cluster.yaml --at 2021-11-26T17:40:43Z --cluster demo",
        "  egress-audit cluster import <(kubectl --context prod get nodes,namespaces,pods,egressips"
            + " -A -o yaml) --cluster prod --source 'kubectl --context prod'"
      })
  static final class Import implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(
        paramLabel = "FILE",
        description =
            "Output of kubectl get ... -o yaml or -o json (a List, one object, or several YAML"
                + " documents); - reads standard input, and a pipe such as <(kubectl get ...) works.")
    Path file;

    @Option(
        names = "--at",
        paramLabel = "TIME",
        description =
            "When this state began: RFC 3339, epoch seconds or ms, or a duration ago (2h); at most 5"
                + " minutes past now (clock skew). Default: now.",
        converter = Converters.TimeNotInTheFuture.class)
    Instant at;

    @Option(
        names = "--cluster",
        converter = ClusterNameConverter.class,
        paramLabel = "NAME",
        defaultValue = "default",
        description = "The cluster's name in history. Default: ${DEFAULT-VALUE}.")
    String cluster;

    @Option(
        names = "--allow-missing-kinds",
        description =
            "Record the dump even when it has no object of a kind (Node, Namespace, Pod, EgressIP)"
                + " the cluster has now: they all end. Without it such a dump (kubectl get pods"
                + " alone) is refused.")
    boolean allowMissingKinds;

    @Option(
        names = "--source",
        paramLabel = "NAME",
        converter = Converters.SourceName.class,
        description =
            "Where the dump came from, as clusters shows it (like 'kubectl --context prod'; at most"
                + " 200 characters). Default: the file's absolute path; 'standard input' for -,"
                + " 'pipe' for a pipe such as <(kubectl get ...).")
    String source;

    @Mixin DbOption db;

    @Mixin HelpOption help;

    @Override
    public Integer call() {
      Instant time = at == null ? TimeArg.now() : at;
      ClusterStateImport.Result r =
          new ClusterStateImport(db.database())
              .importFile(file, cluster, time, allowMissingKinds, source);
      PrintWriter err = spec.commandLine().getErr();
      r.notes().forEach(n -> err.println(file + ": note: " + n));
      err.flush();
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "cluster/%s state at %s recorded from %s: %d new, %d ended, %d unchanged%n",
          cluster,
          time,
          source != null ? source : ClusterStateImport.sourceOf(file),
          r.summary().opened(),
          r.summary().closed(),
          r.summary().unchanged());
      out.flush();
      return 0;
    }
  }
}
