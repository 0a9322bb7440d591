package io.egressaudit.server.cli;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.server.AuditQueries;
import io.egressaudit.server.AuditQueries.HitFilter;
import io.egressaudit.server.json.ApiJson;
import io.egressaudit.server.json.HitView;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code egress-audit hits}: the recorded requests, each with its attribution. */
@Command(
    name = "hits",
    sortOptions = false,
    description =
        "List recorded hits, oldest first (or newest first), each attributed with the cluster state of the time it arrived.",
    footer = {
      "",
      "Examples:",
      "  egress-audit hits --since 1h -o table",
      "  egress-audit hits --ip 192.168.126.0/24 --since 7d -o csv > range.csv",
      "  egress-audit hits --namespace simpson --since 2021-11-26T00:00:00Z -o csv > simpson.csv"
    })
final class HitsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--since",
      paramLabel = "TIME",
      description =
          "First time included: RFC 3339, epoch seconds or ms (0: every hit), or a duration ago"
              + " (15m, 2h, 7d; 0s is now).",
      converter = Converters.Time.class)
  Instant since;

  @Option(
      names = "--until",
      paramLabel = "TIME",
      description = "First time excluded.",
      converter = Converters.Time.class)
  Instant until;

  @Option(
      names = "--ip",
      paramLabel = "IP|CIDR",
      converter = Converters.SourceIpOrNetwork.class,
      description =
          "Only this source IP, or the source IPs of this network (10.0.0.0/24, 2001:db8::/64).")
  String ip;

  @Option(
      names = "--namespace",
      paramLabel = "NS",
      description =
          "Only hits attributed to this namespace, including suspected leaks of it (marked leak?).")
  String namespace;

  @Option(
      names = "--egressip",
      paramLabel = "NAME",
      description = "Only hits attributed to this EgressIP object.")
  String egressIp;

  @Option(
      names = "--node",
      paramLabel = "NAME",
      description = "Only hits attributed to this node (its IP, an egress IP it held, its pods).")
  String node;

  @Option(
      names = "--kind",
      paramLabel = "KIND",
      converter = Converters.Kind.class,
      description =
          "Only hits with a match of this kind: egress-ip, egress-ip-unassigned, node, pod, unknown.")
  AttributionKind kind;

  @Option(
      names = "--leaks",
      description =
          "Only suspected leaks: a node IP while a namespace with pods on that node should have left through an EgressIP.")
  boolean leaks;

  @Option(names = "--probe", paramLabel = "ID", description = "Only hits of this probe id.")
  String probe;

  @Option(
      names = "--cluster",
      converter = ClusterNameConverter.class,
      paramLabel = "NAME",
      description = "Attribute with this cluster only. Default: all.")
  String cluster;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "1000",
      converter = Converters.HitLimit.class,
      description = "Most hits listed (1 to 10000). Default: ${DEFAULT-VALUE}.")
  int limit;

  @Option(
      names = "--after",
      paramLabel = "ID",
      defaultValue = "0",
      description =
          "Continue a listing: only hits past this id (larger ids, or smaller with --newest-first).")
  long after;

  @Option(names = "--newest-first", description = "List the newest hits first.")
  boolean newestFirst;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "json, jsonl, csv or table. Default: ${DEFAULT-VALUE}.")
  OutputFormat output;

  @Mixin DbOption db;

  @Mixin HelpOption help;

  @Override
  public Integer call() {
    // every field is an option's value: what the filter refuses (--limit out of range, --since
    // after --until, a negative --after) is wrong usage
    HitFilter filter =
        UsageError.of(
            spec,
            () ->
                new HitFilter(
                    since,
                    until,
                    ip,
                    namespace,
                    probe,
                    cluster,
                    after,
                    limit,
                    newestFirst,
                    egressIp,
                    node,
                    kind,
                    leaks));
    AuditQueries queries = new AuditQueries(db.existing());
    List<HitView> hits = UsageError.ofCluster(spec, () -> queries.hits(filter));
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> out.println(ApiJson.writePretty(Map.of("hits", hits)));
      case jsonl -> hits.forEach(h -> out.println(ApiJson.write(h)));
      case csv -> out.print(csv(hits));
      case table -> table(hits, out, namespace);
    }
    out.flush();
    if (hits.size() == limit) {
      PrintWriter err = spec.commandLine().getErr();
      err.printf(
          "(%s shown, the --limit; more may follow: --after %d)%n",
          CountText.of(limit, "hit", "hits"), hits.get(hits.size() - 1).id());
      err.flush();
    }
    return 0;
  }

  /** The hits as a table; {@code namespace} (the filter, or null) is named first in long lists. */
  private static void table(List<HitView> hits, PrintWriter out, String namespace) {
    Table t = new Table("ID", "RECEIVED", "SOURCE", "METHOD", "PATH", "PROBE", "ATTRIBUTION");
    for (HitView h : hits) {
      t.row(
          h.id(),
          h.receivedAt(),
          h.sourceIp(),
          h.method(),
          abbreviate(h.path()),
          h.probeId(),
          AttributionText.summary(h.attribution(), namespace));
    }
    t.print(out);
  }

  private static String abbreviate(String path) {
    return path == null || path.length() <= 60 ? path : path.substring(0, 57) + "...";
  }

  private static final List<String> CSV_COLUMNS =
      List.of(
          "id",
          "receivedAt",
          "sourceIp",
          "sourcePort",
          "method",
          "path",
          "userAgent",
          "probeId",
          "kind",
          "cluster",
          "egressIP",
          "node",
          "namespaces",
          "leakSuspects");

  private static String csv(List<HitView> hits) {
    List<List<Object>> rows =
        hits.stream()
            .map(
                h ->
                    java.util.Arrays.<Object>asList(
                        h.id(),
                        h.receivedAt().toString(),
                        h.sourceIp(),
                        h.sourcePort(),
                        h.method(),
                        h.path(),
                        h.userAgent(),
                        h.probeId(),
                        join(h.attribution(), a -> a.kind().toString()),
                        join(h.attribution(), Attribution::cluster),
                        join(h.attribution(), Attribution::egressIP),
                        join(h.attribution(), Attribution::node),
                        join(h.attribution(), a -> String.join(" ", a.namespaces())),
                        join(
                            h.attribution(),
                            a ->
                                a.leakSuspects() == null
                                    ? ""
                                    : String.join(" ", a.leakSuspects()))))
            .toList();
    return CsvOutput.write(CSV_COLUMNS, rows);
  }

  /** Several matches in one CSV cell, separated by {@code |}. */
  private static String join(
      List<Attribution> matches, java.util.function.Function<Attribution, String> f) {
    return matches.stream().map(f).map(s -> s == null ? "" : s).collect(Collectors.joining("|"));
  }
}
