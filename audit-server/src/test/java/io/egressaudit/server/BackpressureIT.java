package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitQuery;
import io.egressaudit.sql.HitRepository;
import io.egressaudit.sql.HitWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the hit writer cannot commit (here: another connection holds SQLite's write lock, as a
 * backup or a careless {@code sqlite3} session would), the listener answers 503 with Retry-After
 * and never a 200; once the lock is gone it answers 200 again and /healthz is ok. Every 200 has its
 * row, and no 503 has one.
 */
class BackpressureIT {

  private static final String SOURCE = "127.0.0.77";

  @TempDir Path dir;

  private Database database;
  private AuditServer server;
  private int port;
  private ApiClient api;
  private final AtomicInteger ids = new AtomicInteger();

  /** Probe id of every request sent to the status it got. */
  private final Map<String, Integer> statusById = new ConcurrentHashMap<>();

  @BeforeEach
  void start() {
    // 100 ms busy timeout: a locked transaction fails fast. A small queue: the burst overflows it.
    database = new Database(dir.resolve("audit.db"), Database.Durability.FULL, 100);
    server = TestServers.start(database, new HitWriter.Settings(4, 4, 0), false);
    port = server.hitPorts().get(0);
    api = new ApiClient(server.apiPort());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void lockedStoreAnswers503UntilTheLockIsGoneThen200WithEveryRowStored() throws Exception {
    assertThat(probe("before").status()).isEqualTo(200);

    try (Connection locker = DriverManager.getConnection("jdbc:sqlite:" + database.file());
        Statement st = locker.createStatement()) {
      st.execute("BEGIN IMMEDIATE");

      for (int i = 0; i < 5; i++) {
        assertRefused(probe("locked"));
      }
      for (LoopbackClient.Response r : burst("locked-burst", 24)) {
        assertRefused(r);
      }
      await("/healthz reports the failing writer")
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                ApiClient.Answer health = api.get("/healthz");
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.json().get("status").asString()).isEqualTo("degraded");
              });
      // Readers have their own connections: the API still answers while writes are locked out.
      assertThat(api.getJson("/api/v1/probes/before-1").get("hits")).hasSize(1);

      st.execute("ROLLBACK");
    }

    await("a 200 once the lock is released")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> probe("after").status() == 200);
    ApiClient.Answer health = api.get("/healthz");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json().get("status").asString()).isEqualTo("ok");
    for (int i = 0; i < 5; i++) {
      assertThat(probe("after").status()).isEqualTo(200);
    }
    // A burst larger than the queue of 4 may see some 503s (the queue is full): that is the
    // backpressure working, and those get no row either.
    assertThat(burst("after-burst", 16))
        .allSatisfy(r -> assertThat(r.status()).as("%s", r).isIn(200, 503));

    HitRepository hits = new HitRepository(database);
    long oks = statusById.values().stream().filter(s -> s == 200).count();
    assertThat(statusById).containsValue(503);
    statusById.forEach(
        (id, status) -> {
          long rows =
              hits.find(new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, null, id, 0, 10)).size();
          assertThat(rows)
              .as("rows of %s, answered %d", id, status)
              .isEqualTo(status == 200 ? 1 : 0);
        });
    assertThat(hits.count()).isEqualTo(oks);
  }

  private static void assertRefused(LoopbackClient.Response r) {
    assertThat(r.status()).as("%s", r).isEqualTo(503);
    assertThat(r.header("Retry-After")).as("%s", r).isNotNull().matches("[1-9][0-9]*");
  }

  /** Sends GET /probe/{prefix}-{n} with a fresh n and remembers its status. */
  private LoopbackClient.Response probe(String prefix) throws IOException {
    String id = prefix + "-" + ids.incrementAndGet();
    LoopbackClient.Response r = LoopbackClient.get(SOURCE, port, "/probe/" + id);
    statusById.put(id, r.status());
    return r;
  }

  /** Sends {@code n} probes at once from 8 threads. */
  private List<LoopbackClient.Response> burst(String prefix, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<LoopbackClient.Response>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        futures.add(
            pool.submit(
                () -> {
                  try {
                    return probe(prefix);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                }));
      }
      List<LoopbackClient.Response> out = new ArrayList<>();
      for (Future<LoopbackClient.Response> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
