package io.egressaudit.bench;

import io.egressaudit.server.AuditQueries;
import io.egressaudit.server.AuditServer;
import io.egressaudit.sql.Database;
import java.time.Instant;

/** What the benchmark calls in-process, and which filters this build's API has. */
final class BenchTargets {

  private BenchTargets() {}

  /** The in-process whois: the same queries object the API answers with. */
  static BenchTarget inProcess(AuditServer server, Database db) {
    AuditQueries q = server.queries();
    return (ip, at) -> q.whois(ip, at, null);
  }

  /**
   * The API query of {@code hits --leaks --since 1d}, or null when this build has no such filter.
   */
  static String leaksQuery() {
    return "/api/v1/hits?limit=1000&since=1d&leaks=true";
  }
}

/** One in-process whois. */
interface BenchTarget {
  Object whois(String ip, Instant at);
}
