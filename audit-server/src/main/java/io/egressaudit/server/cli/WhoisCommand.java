package io.egressaudit.server.cli;

import io.egressaudit.correlator.Attribution;
import io.egressaudit.correlator.WhoisResult;
import io.egressaudit.server.AuditQueries;
import io.egressaudit.server.SourceIpPrefix;
import io.egressaudit.server.json.ApiJson;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code egress-audit whois IP}: which namespaces a source IP belonged to at a time. */
@Command(
    name = "whois",
    sortOptions = false,
    description = {
      "Tell which EgressIP, node, namespaces and pods owned a source IP at a time, from the cluster"
          + " history in the database.",
      "",
      "Kinds: egress-ip (assigned to an EgressIP), egress-ip-unassigned (in spec.egressIPs, not"
          + " assigned), node (a node IP: pods SNATed to it, or host traffic), pod (a pod IP), unknown."
    },
    footer = {
      "",
      "Examples:",
      "  egress-audit whois 192.168.126.100 --at 2021-11-26T17:53:13Z",
      "  egress-audit whois 192.168.126.53 -o table"
    })
final class WhoisCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "IP",
      converter = Converters.SourceIpOrTypedNetwork.class,
      description = "Source IP: IPv4, IPv6 or ::ffff:a.b.c.d (not a network: see hits --ip CIDR).")
  String ip;

  @Mixin PointInTimeOption moment;

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
      throw new UsageError(spec, networkIsNotOneIp(ip));
    }
    Instant time = moment.at();
    AuditQueries queries = new AuditQueries(db.existing());
    WhoisResult result = UsageError.ofCluster(spec, () -> queries.whois(ip, time, moment.cluster));
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case json -> out.println(ApiJson.writePretty(result));
      case table -> {
        Table t = new Table("CLUSTER", "KIND", "EGRESSIP", "NODE", "NAMESPACES", "PODS", "SINCE");
        for (Attribution a : result.matches()) {
          t.row(
              a.cluster(),
              a.kind(),
              a.egressIP(),
              a.node(),
              String.join(",", a.namespaces()),
              a.podCount() != null ? a.podCount() : a.pods().size(),
              a.since());
        }
        t.print(out);
        result.matches().stream()
            .filter(a -> a.note() != null)
            .forEach(a -> out.println("note: " + a.note()));
        result.matches().stream()
            .filter(a -> a.anomalies() != null)
            .flatMap(a -> a.anomalies().stream())
            .distinct()
            .forEach(a -> out.println("anomaly: " + a.rule() + ": " + a.message()));
      }
    }
    out.flush();
    return 0;
  }

  /**
   * Why whois and timeline refuse a network, and what answers about one: the network named as
   * {@code hits --ip} takes it, bits past the prefix cleared ({@code 10.0.0.1/24} is {@code
   * 10.0.0.0/24}).
   *
   * @param typed a CIDR as {@link Converters.SourceIpOrTypedNetwork} passed it
   * @return the message, without the command's name
   */
  static String networkIsNotOneIp(String typed) {
    return SourceIpPrefix.notOneIp(
        typed, "'egress-audit hits --ip %s'", "'egress-audit timeline IP'");
  }
}
