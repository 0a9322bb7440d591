package io.egressaudit.server.cli;

import io.egressaudit.server.AuditQueries;
import io.egressaudit.server.json.ApiJson;
import io.egressaudit.server.json.ClusterView;
import io.egressaudit.server.json.LastHitView;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code egress-audit clusters}: each cluster in the database and what its history covers. */
@Command(
    name = "clusters",
    sortOptions = false,
    description = {
      "List each cluster with history in the database: where its state came from, the time range"
          + " its history covers, objects by kind now and its last change.",
      "",
      "Notes under the table say when a cluster's state was last recorded long ago (answers from"
          + " it are as of then) and when the newest hit arrived.",
      "",
      "Live sync state (synced, syncing, stale since T) is only known to a running server: see"
          + " GET /api/v1/clusters."
    },
    footer = {"", "Examples:", "  egress-audit clusters", "  egress-audit clusters -o json"})
final class ClustersCommand implements Callable<Integer> {

  /** What the command says of sync state, which only a running server knows. */
  static final String SYNC_NOTE =
      "sync state is only known to a running server: GET /api/v1/clusters";

  @Spec CommandSpec spec;

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
    AuditQueries queries = new AuditQueries(db.existing());
    List<ClusterView> clusters = queries.clusters(List.of());
    LastHitView lastHit = queries.lastHit();
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("clusters", clusters);
        if (lastHit != null) {
          answer.put("lastHit", lastHit);
        }
        answer.put("notes", List.of(SYNC_NOTE));
        out.println(ApiJson.writePretty(answer));
      }
      case table -> {
        if (clusters.isEmpty()) {
          out.println("no cluster history in " + db.existing().file());
        } else {
          Table t =
              new Table(
                  "CLUSTER",
                  "SOURCE",
                  "HISTORY FROM",
                  "LAST CHANGE",
                  "NODES",
                  "NAMESPACES",
                  "PODS",
                  "EGRESSIPS");
          for (ClusterView c : clusters) {
            Map<String, Integer> o = c.objects() == null ? Map.of() : c.objects();
            t.row(
                c.cluster(),
                c.source(),
                c.historyFrom(),
                c.lastChange(),
                o.get("Node"),
                o.get("Namespace"),
                o.get("Pod"),
                o.get("EgressIP"));
          }
          t.print(out);
          clusters.stream()
              .filter(c -> c.stateAge() != null)
              .forEach(c -> out.println("note: cluster/" + c.cluster() + ": " + c.stateAge()));
        }
        out.println(
            lastHit == null
                ? "note: no hit recorded"
                : "note: newest hit received at "
                    + lastHit.receivedAt()
                    + " ("
                    + ago(lastHit.secondsAgo())
                    + ")");
        out.println("note: " + SYNC_NOTE);
      }
    }
    out.flush();
    return 0;
  }

  /** Seconds ago in their largest fitting unit, as the web page writes them: {@code 3 d ago}. */
  static String ago(double seconds) {
    long s = Math.round(seconds);
    if (s < 120) {
      return s + " s ago";
    }
    if (s < 7200) {
      return Math.round(s / 60.0) + " min ago";
    }
    if (s < 172800) {
      return Math.round(s / 3600.0) + " h ago";
    }
    return Math.round(s / 86400.0) + " d ago";
  }
}
