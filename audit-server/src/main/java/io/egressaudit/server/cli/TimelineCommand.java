package io.egressaudit.server.cli;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.server.AuditQueries;
import io.egressaudit.server.SourceIpPrefix;
import io.egressaudit.server.json.ApiJson;
import io.egressaudit.server.json.IpTimelineView;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code egress-audit timeline IP}: every owner a source IP has had, with the spans it held. */
@Command(
    name = "timeline",
    sortOptions = false,
    description = {
      "List every owner a source IP has had (EgressIP and its egress node, node and its candidate"
          + " namespaces, pod), with when each held it, from the cluster history in the database."
          + " Consecutive times with the same owner are one row; an egress-node failover shows as"
          + " two rows (the EgressIP on one node, then on the other)."
    },
    footer = {
      "",
      "Examples:",
      "  egress-audit timeline 192.168.126.100 -o table",
      "  egress-audit timeline 192.168.126.53 --since 7d"
    })
final class TimelineCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "IP",
      converter = Converters.SourceIpOrTypedNetwork.class,
      description = "Source IP: IPv4, IPv6 or ::ffff:a.b.c.d (not a network: see hits --ip CIDR).")
  String ip;

  @Option(
      names = "--since",
      paramLabel = "TIME",
      converter = Converters.Time.class,
      description =
          "From this time: RFC 3339, epoch seconds or ms, or a duration ago (30d, 2h)."
              + " Default: where history starts.")
  Instant since;

  @Option(
      names = "--cluster",
      converter = ClusterNameConverter.class,
      paramLabel = "NAME",
      description = "Only this cluster. Default: all.")
  String cluster;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "json",
      description = "json or table. Default: ${DEFAULT-VALUE}.")
  DocumentFormat output;

  @Mixin DbOption db;

  @Mixin HelpOption help;

  @Override
  public Integer call() {
    if (SourceIpPrefix.isCidr(ip)) {
      throw new UsageError(spec, WhoisCommand.networkIsNotOneIp(ip));
    }
    AuditQueries queries = new AuditQueries(db.existing());
    IpTimelineView view = UsageError.ofCluster(spec, () -> queries.ipTimeline(ip, since, cluster));
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> out.println(ApiJson.writePretty(view));
      case table -> {
        Table t = new Table("FROM", "UNTIL", "CLUSTER", "KIND", "OWNER");
        for (IpTimelineView.OwnerSpanView s : view.owners()) {
          Attribution a = s.owner();
          t.row(s.from(), s.until(), a.cluster(), a.kind(), AttributionText.summary(a));
        }
        t.print(out);
        view.notes().forEach(n -> out.println("note: " + n));
      }
    }
    out.flush();
    return 0;
  }
}
