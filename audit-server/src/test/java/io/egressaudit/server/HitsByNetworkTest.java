package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.server.AuditQueries.HitFilter;
import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.server.json.HitView;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitRepository;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code hits --ip CIDR}: the hits of every source IP of a network, and of no other, although the
 * source IPs are stored as text (10.0.0.10 sorts before 10.0.0.9). Real SQLite file.
 */
class HitsByNetworkTest {

  /** Source IPs of the stored hits, two hits each, interleaved by id. */
  private static final List<String> SOURCES =
      List.of(
          "10.0.0.9",
          "10.0.0.10",
          "10.0.0.100",
          "10.0.0.255",
          "10.0.1.1",
          "10.0.10.1",
          "10.0.15.254",
          "10.0.16.1",
          "100.0.0.1",
          "1.0.0.1",
          "2001:db8::1",
          "2001:db8::a:0:0:1",
          "2001:db8:0:1::1",
          "2001:db9::1");

  @TempDir Path dir;

  private Database db;

  @BeforeEach
  void hits() {
    db = Database.at(dir.resolve("audit.db"));
    List<HitRecord> records = new ArrayList<>();
    long t = 1_700_000_000_000L;
    for (int round = 0; round < 2; round++) {
      for (String ip : SOURCES) {
        records.add(
            new HitRecord(
                t++, ip, 40000, 8080, "GET", "/", null, null, null, null, null, null, null));
      }
    }
    new HitRepository(db).insertAll(records);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "10.0.0.0/24 | 10.0.0.9 10.0.0.10 10.0.0.100 10.0.0.255",
        "10.0.0.0/28 | 10.0.0.9 10.0.0.10",
        "10.0.0.0/25 | 10.0.0.9 10.0.0.10 10.0.0.100",
        "10.0.0.0/20 | 10.0.0.9 10.0.0.10 10.0.0.100 10.0.0.255 10.0.1.1 10.0.10.1 10.0.15.254",
        "10.0.0.10/32 | 10.0.0.10",
        "::ffff:10.0.0.0/124 | 10.0.0.9 10.0.0.10",
        "0.0.0.0/1 | 10.0.0.9 10.0.0.10 10.0.0.100 10.0.0.255 10.0.1.1 10.0.10.1 10.0.15.254"
            + " 10.0.16.1 100.0.0.1 1.0.0.1",
        "2001:db8::/64 | 2001:db8::1 2001:db8::a:0:0:1",
        "2001:db8::/32 | 2001:db8::1 2001:db8::a:0:0:1 2001:db8:0:1::1",
        "192.168.0.0/16 | "
      })
  void aNetworkListsTheHitsOfEachOfItsSourceIpsAndNoOther(String network, String expected) {
    List<String> want = expected == null ? List.of() : List.of(expected.strip().split(" "));

    List<HitView> hits =
        new AuditQueries(db).hits(new HitFilter(null, null, network, null, null, null, 0, 100));

    assertThat(hits).hasSize(want.size() * 2);
    assertThat(hits.stream().map(HitView::sourceIp).distinct().toList())
        .containsExactlyInAnyOrderElementsOf(want);
    assertThat(hits)
        .as("by id, as every listing")
        .isSortedAccordingTo((a, b) -> Long.compare(a.id(), b.id()));
  }

  @Test
  void pagesOfANetworkAreThoseOfOneLongListingInEitherOrder() {
    AuditQueries q = new AuditQueries(db);
    for (boolean newestFirst : new boolean[] {false, true}) {
      List<Long> whole =
          q
              .hits(new HitFilter(null, null, "10.0.0.0/16", null, null, null, 0, 100, newestFirst))
              .stream()
              .map(HitView::id)
              .toList();
      List<Long> paged = new ArrayList<>();
      long after = 0;
      while (true) {
        List<HitView> page =
            q.hits(
                new HitFilter(null, null, "10.0.0.0/16", null, null, null, after, 3, newestFirst));
        page.forEach(h -> paged.add(h.id()));
        if (page.size() < 3) {
          break;
        }
        after = page.get(page.size() - 1).id();
      }
      assertThat(whole).hasSize(16);
      assertThat(paged).as("newest first: %s", newestFirst).isEqualTo(whole);
    }
  }

  @Test
  void aBareIpStillListsOnlyThatIp() {
    List<HitView> hits =
        new AuditQueries(db).hits(new HitFilter(null, null, "10.0.0.1", null, null, null, 0, 100));

    assertThat(hits).isEmpty();
  }

  private record Run(int code, String out, List<String> err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--db", dir.resolve("audit.db").toString()));
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString().lines().toList());
  }

  @Test
  void hitsIpTakesACidrOnTheCommandLine() {
    Run r = run("hits", "--ip", "10.0.0.0/28", "-o", "csv");

    assertThat(r.code()).as("%s", r).isZero();
    assertThat(r.out().lines().skip(1).map(l -> l.split(",")[2]).distinct())
        .containsExactly("10.0.0.9", "10.0.0.10");
  }

  @Test
  void aWrongCidrIsWrongUsageNamingIp() {
    Run r = run("hits", "--ip", "10.0.0.0/33");

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err().get(0))
        .startsWith("egress-audit hits: ")
        .contains("--ip")
        .contains("'10.0.0.0/33' is not a CIDR");
  }

  @Test
  void whoisRefusesANetworkPointingToHitsAndTimeline() {
    Run r = run("whois", "10.0.0.0/24");

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err())
        .containsExactly(
            "egress-audit whois: 10.0.0.0/24 is a network, not one IP: list the hits of its source"
                + " IPs with 'egress-audit hits --ip 10.0.0.0/24', or the owners of one IP over"
                + " time with 'egress-audit timeline IP'");
  }

  @Test
  void timelineRefusesANetworkWithTheHintOfWhois() {
    Run r = run("timeline", "10.0.0.0/24");

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err())
        .containsExactly(
            "egress-audit timeline: 10.0.0.0/24 is a network, not one IP: list the hits of its"
                + " source IPs with 'egress-audit hits --ip 10.0.0.0/24', or the owners of one IP"
                + " over time with 'egress-audit timeline IP'");
  }

  @Test
  void aNetworkWithBitsPastItsPrefixIsRefusedNamingTheNetworkMeant() {
    for (String command : List.of("whois", "timeline")) {
      Run r = run(command, "10.0.0.1/24");

      assertThat(r.code()).as("%s", r).isEqualTo(2);
      assertThat(r.err())
          .containsExactly(
              "egress-audit "
                  + command
                  + ": 10.0.0.1/24 is the network 10.0.0.0/24, not one IP: list the hits of its"
                  + " source IPs with 'egress-audit hits --ip 10.0.0.0/24', or the owners of one"
                  + " IP over time with 'egress-audit timeline IP'");
    }
  }
}
