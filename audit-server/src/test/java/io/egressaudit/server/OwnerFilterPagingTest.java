package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.EgressIpState;
import io.egressaudit.correlator.LabelSelector;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.ObjectRef;
import io.egressaudit.correlator.PodState;
import io.egressaudit.server.AuditQueries.HitFilter;
import io.egressaudit.server.json.HitView;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitRecord;
import io.egressaudit.sql.HitRepository;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filters by owner read the hits of each source IP span and merge them by id: page after page, in
 * either order and with any page size, they give exactly the hits a scan of every hit keeps, each
 * once. Real SQLite file; a random history of pods moving between nodes, an EgressIP failing over,
 * and hits whose ids do not follow their times (an access log imported after the fact).
 */
class OwnerFilterPagingTest {

  @TempDir Path dir;

  @Test
  void pagesOfAFilterByOwnerAreWhatAScanOfEveryHitKeeps() {
    Random rnd = new Random(11);
    Database db = new Database(dir.resolve("audit.db"), Database.Durability.NORMAL, 5_000);
    ClusterHistory history = new ClusterHistory(db);
    long start = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    List<ClusterObject> first = new ArrayList<>();
    for (int n = 1; n <= 3; n++) {
      first.add(new NodeState("worker-" + n, List.of("10.0.0." + n), Map.of(), true));
    }
    for (int k = 0; k < 6; k++) {
      first.add(new NamespaceState("ns-" + k, Map.of("team", k % 2 == 0 ? "a" : "b")));
    }
    first.add(egressIp("worker-1"));
    Map<String, PodState> pods = new HashMap<>();
    for (int p = 0; p < 24; p++) {
      PodState pod = pod(rnd, p, 0);
      pods.put(pod.name(), pod);
      first.add(pod);
    }
    history.recordChanges("c", Instant.ofEpochMilli(start), first, List.of());
    long t = start;
    for (int step = 1; step <= 120; step++) {
      t += 60_000;
      List<ClusterObject> changed = new ArrayList<>();
      List<ObjectRef> deleted = new ArrayList<>();
      if (step % 40 == 0) {
        changed.add(egressIp(step % 80 == 0 ? "worker-1" : "worker-2")); // a failover and back
      }
      PodState gone = pods.remove("pod-" + rnd.nextInt(24));
      if (gone != null) {
        deleted.add(gone.ref());
      }
      PodState replacement = pod(rnd, rnd.nextInt(24), step);
      if (!pods.containsKey(replacement.name())) {
        pods.put(replacement.name(), replacement);
        changed.add(replacement);
      }
      history.recordChanges("c", Instant.ofEpochMilli(t), changed, deleted);
    }
    List<String> sources = new ArrayList<>(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"));
    sources.add("192.0.2.10"); // the egress IP
    sources.add("198.51.100.7"); // nobody's
    for (int i = 0; i < 40; i++) {
      sources.add("10.128.0." + (1 + rnd.nextInt(40))); // pod IPs, some reused
    }
    List<HitRecord> hits = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      long at = start + (long) (rnd.nextDouble() * (t - start + 120_000));
      hits.add(
          new HitRecord(
              at,
              // four in ten from node IPs, one in ten from the egress IP: spans of hundreds
              rnd.nextInt(10) < 4
                  ? sources.get(rnd.nextInt(3))
                  : rnd.nextInt(6) == 0 ? sources.get(3) : sources.get(rnd.nextInt(sources.size())),
              40_000 + i,
              80,
              "GET",
              "/",
              null,
              "curl/8",
              null,
              null,
              "HTTP/1.1",
              null,
              null));
    }
    Collections.shuffle(hits, rnd); // ids in no relation to times
    new HitRepository(db).insertAll(hits);
    AuditQueries queries = new AuditQueries(db);
    List<HitView> all =
        queries.hits(new HitFilter(null, null, null, null, null, null, 0, 10_000, false));
    assertThat(all).hasSize(1500);
    List<HitFilter> filters = new ArrayList<>();
    for (int k = 0; k < 6; k++) {
      filters.add(filter("ns-" + k, null, null, null, false));
    }
    filters.add(filter(null, "egressip-a", null, null, false));
    filters.add(filter(null, null, "worker-2", null, false));
    filters.add(filter(null, null, null, AttributionKind.POD, false));
    filters.add(filter(null, null, null, AttributionKind.NODE, false));
    filters.add(filter(null, null, null, null, true));
    int pagesRead = 0;
    for (HitFilter owner : filters) {
      for (boolean newestFirst : new boolean[] {false, true}) {
        List<Long> expected = new ArrayList<>();
        for (HitView h : all) {
          if (owner.keeps(h.attribution())) {
            expected.add(h.id());
          }
        }
        if (newestFirst) {
          Collections.reverse(expected);
        }
        for (int limit : new int[] {5, 97, 5_000}) {
          List<Long> paged = new ArrayList<>();
          long after = 0;
          while (true) {
            List<HitView> page = queries.hits(page(owner, after, limit, newestFirst));
            page.forEach(h -> paged.add(h.id()));
            pagesRead++;
            if (page.size() < limit) {
              break;
            }
            after = page.get(page.size() - 1).id();
          }
          assertThat(paged)
              .as("%s, newest first %s, pages of %d", owner, newestFirst, limit)
              .isEqualTo(expected);
        }
      }
    }
    assertThat(pagesRead).as("pages read").isGreaterThan(200);
    long leaks =
        all.stream()
            .filter(h -> filter(null, null, null, null, true).keeps(h.attribution()))
            .count();
    assertThat(leaks).as("suspected leaks among the hits").isPositive();
  }

  private static HitFilter filter(
      String namespace, String egressIp, String node, AttributionKind kind, boolean leaks) {
    return new HitFilter(
        null, null, null, namespace, null, null, 0, 1, false, egressIp, node, kind, leaks);
  }

  private static HitFilter page(HitFilter f, long after, int limit, boolean newestFirst) {
    return new HitFilter(
        f.since(),
        f.until(),
        f.ip(),
        f.namespace(),
        f.probeId(),
        f.cluster(),
        after,
        limit,
        newestFirst,
        f.egressIp(),
        f.node(),
        f.kind(),
        f.leaks());
  }

  /** egressip-a: team=a's namespaces leave through 192.0.2.10, assigned to {@code node}. */
  private static EgressIpState egressIp(String node) {
    return new EgressIpState(
        "egressip-a",
        List.of("192.0.2.10"),
        new LabelSelector(Map.of("team", "a"), List.of()),
        null,
        List.of(new EgressIpAssignment("192.0.2.10", node)));
  }

  private static PodState pod(Random rnd, int p, int generation) {
    return new PodState(
        "ns-" + (p % 6),
        "pod-" + p,
        "worker-" + (1 + rnd.nextInt(3)),
        List.of("10.128.0." + (1 + rnd.nextInt(40))),
        false,
        Map.of("app", "web"),
        "Running");
  }
}
