package io.egressaudit.server.cli;

import io.egressaudit.correlator.ExpectedSource;
import io.egressaudit.server.AuditQueries;
import io.egressaudit.server.json.AllNamespacesSourceHistoryView;
import io.egressaudit.server.json.AllNamespacesSourcesView;
import io.egressaudit.server.json.ApiJson;
import io.egressaudit.server.json.SourceHistoryView;
import io.egressaudit.server.json.SourcesView;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code egress-audit sources NAMESPACE}: which source IPs a firewall rule for a namespace must
 * allow.
 */
@Command(
    name = "sources",
    sortOptions = false,
    description = {
      "List the source IPs a namespace's traffic leaves the cluster with at a time: the assigned IPs"
          + " of the EgressIP that carries its pods, and the node IPs of pods no assigned EgressIP"
          + " carries (or on the host network). This is what a firewall rule for the namespace must"
          + " allow; an egress-node failover changes the node, not the egress IP.",
      "",
      "With --since: every source IP the namespace had to leave with from then until now, with"
          + " the span it had to (FROM, UNTIL; UNTIL <none> while it still holds): what a firewall"
          + " rule must have allowed over the period.",
      "",
      "With --all-namespaces (-A) instead of NAMESPACE: the same for every namespace, one row per"
          + " namespace and source IP (and span, with --since), NAMESPACE first."
    },
    footer = {
      "",
      "Examples:",
      "  egress-audit sources simpson --at 2021-11-26T17:53:13Z -o table",
      "  egress-audit sources simpson --since 30d -o table",
      "  egress-audit sources simpson -o csv > simpson-sources.csv",
      "  egress-audit sources -A --since 30d -o csv > all-sources.csv"
    })
final class SourcesCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "NAMESPACE",
      arity = "0..1",
      description = "The namespace (or --all-namespaces).")
  String namespace;

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "Every namespace, as kubectl -A: a NAMESPACE column first. Not with NAMESPACE.")
  boolean allNamespaces;

  @Mixin PointInTimeOption moment;

  @Option(
      names = "--since",
      paramLabel = "TIME",
      description =
          "List every source IP since this time, with spans, instead of those at one moment:"
              + " RFC 3339, epoch seconds or ms, or a duration ago (30d, 2h). Not with --at.",
      converter = Converters.Time.class)
  Instant since;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "json",
      description =
          "json, table or csv (a header row, then one row per source IP; notes go to stderr)."
              + " Default: ${DEFAULT-VALUE}.")
  ListFormat output;

  @Mixin DbOption db;

  @Mixin HelpOption help;

  @Override
  public Integer call() {
    if (allNamespaces && namespace != null) {
      throw new UsageError(
          spec, "NAMESPACE (" + namespace + ") and --all-namespaces cannot be used together");
    }
    if (!allNamespaces && namespace == null) {
      throw new UsageError(spec, "give a NAMESPACE, or --all-namespaces (-A) for every namespace");
    }
    if (since != null) {
      if (moment.at != null) {
        throw new UsageError(spec, "--since and --at cannot be used together");
      }
      return allNamespaces ? allHistory(since) : history(since);
    }
    if (allNamespaces) {
      return all();
    }
    Instant time = moment.at();
    AuditQueries queries = new AuditQueries(db.existing());
    SourcesView view =
        UsageError.ofCluster(spec, () -> queries.sources(namespace, time, moment.cluster));
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> out.println(ApiJson.writePretty(view));
      case table -> {
        Table t = new Table("CLUSTER", "SOURCE IP", "KIND", "EGRESSIP", "NODE", "PODS");
        for (ExpectedSource s : view.sources()) {
          t.row(s.cluster(), s.ip(), s.kind(), s.egressIP(), s.node(), s.pods().size());
        }
        t.print(out);
        view.notes().forEach(n -> out.println("note: " + n));
      }
      case csv -> {
        out.print(
            CsvOutput.write(
                List.of("cluster", "ip", "kind", "egressIP", "node", "pods"),
                view.sources().stream()
                    .map(
                        s ->
                            Arrays.<Object>asList(
                                s.cluster(),
                                s.ip(),
                                s.kind().toString(),
                                s.egressIP(),
                                s.node(),
                                String.join(" ", s.pods().stream().map(p -> p.name()).toList())))
                    .toList()));
        notesToStderr(view.notes());
      }
    }
    out.flush();
    return 0;
  }

  /** With {@code -o csv}, the notes a table would end with, on stderr: the CSV stays one table. */
  private void notesToStderr(List<String> notes) {
    PrintWriter err = spec.commandLine().getErr();
    notes.forEach(n -> err.println("note: " + n));
    err.flush();
  }

  private int history(Instant from) {
    AuditQueries queries = new AuditQueries(db.existing());
    SourceHistoryView view =
        UsageError.ofCluster(spec, () -> queries.sourceHistory(namespace, from, moment.cluster));
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> out.println(ApiJson.writePretty(view));
      case table -> {
        Table t = new Table("CLUSTER", "SOURCE IP", "KIND", "EGRESSIP", "NODE", "FROM", "UNTIL");
        for (SourceHistoryView.SourceSpanView s : view.sources()) {
          t.row(s.cluster(), s.ip(), s.kind(), s.egressIP(), s.node(), s.from(), s.until());
        }
        t.print(out);
        view.notes().forEach(n -> out.println("note: " + n));
      }
      case csv -> {
        out.print(
            CsvOutput.write(
                List.of("cluster", "ip", "kind", "egressIP", "node", "from", "until"),
                view.sources().stream()
                    .map(
                        s ->
                            Arrays.<Object>asList(
                                s.cluster(),
                                s.ip(),
                                s.kind().toString(),
                                s.egressIP(),
                                s.node(),
                                s.from().toString(),
                                s.until() == null ? null : s.until().toString()))
                    .toList()));
        notesToStderr(view.notes());
      }
    }
    out.flush();
    return 0;
  }

  /** {@code -A}: the sources of every namespace at a time. */
  private int all() {
    Instant time = moment.at();
    AuditQueries queries = new AuditQueries(db.existing());
    AllNamespacesSourcesView view =
        UsageError.ofCluster(spec, () -> queries.allSources(time, moment.cluster));
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> out.println(ApiJson.writePretty(view));
      case table -> {
        Table t =
            new Table("NAMESPACE", "CLUSTER", "SOURCE IP", "KIND", "EGRESSIP", "NODE", "PODS");
        for (AllNamespacesSourcesView.NamespaceSource s : view.sources()) {
          t.row(
              s.namespace(),
              s.cluster(),
              s.ip(),
              s.kind(),
              s.egressIP(),
              s.node(),
              s.pods().size());
        }
        t.print(out);
        view.notes().forEach(n -> out.println("note: " + n));
      }
      case csv -> {
        out.print(
            CsvOutput.write(
                List.of("namespace", "cluster", "ip", "kind", "egressIP", "node", "pods"),
                view.sources().stream()
                    .map(
                        s ->
                            Arrays.<Object>asList(
                                s.namespace(),
                                s.cluster(),
                                s.ip(),
                                s.kind().toString(),
                                s.egressIP(),
                                s.node(),
                                String.join(" ", s.pods().stream().map(p -> p.name()).toList())))
                    .toList()));
        notesToStderr(view.notes());
      }
    }
    out.flush();
    return 0;
  }

  /** {@code -A --since}: the sources of every namespace over a period, with spans. */
  private int allHistory(Instant from) {
    AuditQueries queries = new AuditQueries(db.existing());
    AllNamespacesSourceHistoryView view =
        UsageError.ofCluster(spec, () -> queries.allSourceHistory(from, moment.cluster));
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> out.println(ApiJson.writePretty(view));
      case table -> {
        Table t =
            new Table(
                "NAMESPACE", "CLUSTER", "SOURCE IP", "KIND", "EGRESSIP", "NODE", "FROM", "UNTIL");
        for (AllNamespacesSourceHistoryView.NamespaceSpan s : view.sources()) {
          t.row(
              s.namespace(),
              s.cluster(),
              s.ip(),
              s.kind(),
              s.egressIP(),
              s.node(),
              s.from(),
              s.until());
        }
        t.print(out);
        view.notes().forEach(n -> out.println("note: " + n));
      }
      case csv -> {
        out.print(
            CsvOutput.write(
                List.of("namespace", "cluster", "ip", "kind", "egressIP", "node", "from", "until"),
                view.sources().stream()
                    .map(
                        s ->
                            Arrays.<Object>asList(
                                s.namespace(),
                                s.cluster(),
                                s.ip(),
                                s.kind().toString(),
                                s.egressIP(),
                                s.node(),
                                s.from().toString(),
                                s.until() == null ? null : s.until().toString()))
                    .toList()));
        notesToStderr(view.notes());
      }
    }
    out.flush();
    return 0;
  }
}
