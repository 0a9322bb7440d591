package io.egressaudit.server.cli;

import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.server.AuditQueries;
import io.egressaudit.server.json.AllNamespacesSourceHistoryView;
import io.egressaudit.server.json.AllNamespacesSourcesView;
import io.egressaudit.server.json.ApiJson;
import io.egressaudit.server.json.SourceHistoryView;
import io.egressaudit.server.json.SourcesView;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
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
    return write(
        view,
        view.notes(),
        view.sources().stream()
            .map(
                x ->
                    new Row(
                        null,
                        x.cluster(),
                        x.ip(),
                        x.kind(),
                        x.egressIP(),
                        x.node(),
                        x.pods(),
                        null,
                        null))
            .toList());
  }

  /**
   * One source IP of an answer as the table and CSV show it: its namespace (with {@code -A}, else
   * null), and either its pods (at a time) or its span (with {@code --since}, else null).
   */
  private record Row(
      String namespace,
      String cluster,
      String ip,
      AttributionKind kind,
      String egressIP,
      String node,
      List<PodRef> pods,
      Instant from,
      Instant until) {}

  /**
   * Writes an answer: the document itself as JSON, else its rows as a table (then the notes) or as
   * CSV (the notes on stderr, so the CSV stays one table). A NAMESPACE column comes first with
   * {@code -A}; the pods (their count in the table) at a time, FROM and UNTIL with {@code --since}.
   */
  private int write(Object view, List<String> notes, List<Row> rows) {
    boolean withNamespace = allNamespaces;
    boolean spans = since != null;
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> out.println(ApiJson.writePretty(view));
      case table -> {
        List<String> header = new ArrayList<>();
        if (withNamespace) {
          header.add("NAMESPACE");
        }
        header.addAll(List.of("CLUSTER", "SOURCE IP", "KIND", "EGRESSIP", "NODE"));
        header.addAll(spans ? List.of("FROM", "UNTIL") : List.of("PODS"));
        Table t = new Table(header.toArray(String[]::new));
        for (Row r : rows) {
          List<Object> cells = new ArrayList<>();
          if (withNamespace) {
            cells.add(r.namespace());
          }
          cells.addAll(Arrays.asList(r.cluster(), r.ip(), r.kind(), r.egressIP(), r.node()));
          if (spans) {
            cells.add(r.from());
            cells.add(r.until());
          } else {
            cells.add(r.pods().size());
          }
          t.row(cells.toArray());
        }
        t.print(out);
        notes.forEach(n -> out.println("note: " + n));
      }
      case csv -> {
        List<String> header = new ArrayList<>();
        if (withNamespace) {
          header.add("namespace");
        }
        header.addAll(List.of("cluster", "ip", "kind", "egressIP", "node"));
        header.addAll(spans ? List.of("from", "until") : List.of("pods"));
        List<List<Object>> csvRows = new ArrayList<>(rows.size());
        for (Row r : rows) {
          List<Object> cells = new ArrayList<>();
          if (withNamespace) {
            cells.add(r.namespace());
          }
          cells.addAll(
              Arrays.asList(r.cluster(), r.ip(), r.kind().toString(), r.egressIP(), r.node()));
          if (spans) {
            cells.add(r.from().toString());
            cells.add(r.until() == null ? null : r.until().toString());
          } else {
            cells.add(String.join(" ", r.pods().stream().map(PodRef::name).toList()));
          }
          csvRows.add(cells);
        }
        out.print(CsvOutput.write(header, csvRows));
        notesToStderr(notes);
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
    return write(
        view,
        view.notes(),
        view.sources().stream()
            .map(
                x ->
                    new Row(
                        null,
                        x.cluster(),
                        x.ip(),
                        x.kind(),
                        x.egressIP(),
                        x.node(),
                        null,
                        x.from(),
                        x.until()))
            .toList());
  }

  /** {@code -A}: the sources of every namespace at a time. */
  private int all() {
    Instant time = moment.at();
    AuditQueries queries = new AuditQueries(db.existing());
    AllNamespacesSourcesView view =
        UsageError.ofCluster(spec, () -> queries.allSources(time, moment.cluster));
    return write(
        view,
        view.notes(),
        view.sources().stream()
            .map(
                x ->
                    new Row(
                        x.namespace(),
                        x.cluster(),
                        x.ip(),
                        x.kind(),
                        x.egressIP(),
                        x.node(),
                        x.pods(),
                        null,
                        null))
            .toList());
  }

  /** {@code -A --since}: the sources of every namespace over a period, with spans. */
  private int allHistory(Instant from) {
    AuditQueries queries = new AuditQueries(db.existing());
    AllNamespacesSourceHistoryView view =
        UsageError.ofCluster(spec, () -> queries.allSourceHistory(from, moment.cluster));
    return write(
        view,
        view.notes(),
        view.sources().stream()
            .map(
                x ->
                    new Row(
                        x.namespace(),
                        x.cluster(),
                        x.ip(),
                        x.kind(),
                        x.egressIP(),
                        x.node(),
                        null,
                        x.from(),
                        x.until()))
            .toList());
  }
}
