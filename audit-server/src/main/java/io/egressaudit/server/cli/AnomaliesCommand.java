package io.egressaudit.server.cli;

import io.egressaudit.server.AuditQueries;
import io.egressaudit.server.json.AnomaliesView;
import io.egressaudit.server.json.AnomalySpansView;
import io.egressaudit.server.json.AnomalyView;
import io.egressaudit.server.json.ApiJson;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code egress-audit anomalies}: what is wrong in the clusters' EgressIP set-up at a time. */
@Command(
    name = "anomalies",
    sortOptions = false,
    description = {
      "List what is wrong in the clusters' EgressIP set-up at a time, from the cluster history in"
          + " the database; with --since (and --until), every anomaly that held during the period,"
          + " with when it began and ended.",
      "",
      "Rules: assigned-ip-not-in-spec, ip-assigned-to-two-nodes, ip-claimed-by-two-egressips,"
          + " namespace-selected-twice, pod-selected-twice, unassigned-with-running-pods,"
          + " single-egress-node, egress-ip-outside-node-subnets, assigned-node-not-ready,"
          + " assigned-node-not-assignable."
    },
    footer = {
      "",
      "Examples:",
      "  egress-audit anomalies",
      "  egress-audit anomalies --at 2021-11-26T17:53:13Z --cluster demo -o json",
      "  egress-audit anomalies --since 7d"
    })
final class AnomaliesCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin PointInTimeOption moment;

  @Option(
      names = "--since",
      paramLabel = "TIME",
      converter = Converters.Time.class,
      description =
          "Every anomaly that held from TIME on (as --at reads it), each with when it began and"
              + " ended. Not with --at.")
  Instant since;

  @Option(
      names = "--until",
      paramLabel = "TIME",
      converter = Converters.Time.class,
      description = "The end of the period of --since. Default: now.")
  Instant until;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table or json. Default: ${DEFAULT-VALUE}.")
  DocumentFormat output;

  @Mixin DbOption db;

  @Mixin HelpOption help;

  @Override
  public Integer call() {
    if (since != null || until != null) {
      if (moment.at != null) {
        throw new UsageError(spec, "--at cannot be used with --since or --until");
      }
      return period();
    }
    Instant at = moment.at();
    AuditQueries queries = new AuditQueries(db.existing());
    AnomaliesView view = UsageError.ofCluster(spec, () -> queries.anomalies(at, moment.cluster));
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> out.println(ApiJson.writePretty(view));
      case table -> {
        if (view.anomalies().isEmpty()) {
          out.println("no anomalies at " + view.at());
        } else {
          Table t = new Table("CLUSTER", "RULE", "EGRESSIPS", "IPS", "NODES", "NAMESPACES");
          for (AnomalyView a : view.anomalies()) {
            t.row(
                a.cluster(),
                a.rule(),
                String.join(",", a.egressIPs()),
                String.join(",", a.ips()),
                String.join(",", a.nodes()),
                String.join(",", a.namespaces()));
          }
          t.print(out);
          view.anomalies().forEach(a -> out.println(a.rule() + ": " + a.message()));
        }
        view.notes().forEach(n -> out.println("note: " + n));
      }
    }
    out.flush();
    return 0;
  }

  /** Every anomaly that held over {@code [--since, --until)}, as the API's period answer. */
  private int period() {
    AuditQueries queries = new AuditQueries(db.existing());
    // since after until, or a period with too many changes, is wrong usage
    AnomalySpansView view =
        UsageError.of(
            spec,
            () ->
                UsageError.ofCluster(
                    spec, () -> queries.anomaliesOver(since, until, moment.cluster)));
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> out.println(ApiJson.writePretty(view));
      case table -> {
        if (view.anomalies().isEmpty()) {
          out.println(
              "no anomalies from "
                  + (view.since() == null ? "where history starts" : view.since())
                  + " to "
                  + view.until());
        } else {
          Table t =
              new Table(
                  "CLUSTER", "RULE", "FROM", "UNTIL", "EGRESSIPS", "IPS", "NODES", "NAMESPACES");
          for (AnomalySpansView.AnomalySpan a : view.anomalies()) {
            t.row(
                a.cluster(),
                a.rule().toString(),
                a.from().toString(),
                a.until() == null ? "<still>" : a.until().toString(),
                String.join(",", a.egressIPs()),
                String.join(",", a.ips()),
                String.join(",", a.nodes()),
                String.join(",", a.namespaces()));
          }
          t.print(out);
          view.anomalies().forEach(a -> out.println(a.rule() + ": " + a.message()));
        }
        view.notes().forEach(n -> out.println("note: " + n));
      }
    }
    out.flush();
    return 0;
  }
}
