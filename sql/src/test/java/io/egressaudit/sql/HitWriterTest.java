package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HitWriterTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path dir;

  /** A hit identified by its probe id; some fields null, some text outside ASCII. */
  static HitRecord hit(String probeId, int n) {
    boolean odd = n % 2 == 1;
    return new HitRecord(
        1_700_000_000_000L + n,
        odd ? "2001:db8::" + Integer.toHexString(n % 0xffff) : "192.168.126." + (n % 250),
        odd ? null : 30_000 + n % 30_000,
        odd ? null : 8080,
        odd ? "HEAD" : "GET",
        "/probe/" + probeId + (odd ? "?q=é" : ""),
        odd ? null : "bastion.example:8080",
        odd ? "Mozilla/5.0 (Ünïcödé; 漢字) 🚀" : null,
        probeId,
        odd ? null : "203.0.113.7, 198.51.100.1",
        "HTTP/1.1",
        null,
        null);
  }

  private static Optional<HitRecord> stored(HitRepository repo, String probeId) {
    List<StoredHit> found =
        repo.find(new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, null, probeId, 0, 10));
    assertThat(found).as("rows of probe %s", probeId).hasSizeLessThanOrEqualTo(1);
    return found.stream().map(StoredHit::hit).findFirst();
  }

  private static Map<String, HitRecord> readAll(HitRepository repo) {
    Map<String, HitRecord> out = new HashMap<>();
    HitQuery page = HitQuery.all(1000);
    long after = 0;
    while (true) {
      List<StoredHit> rows = repo.find(page.after(after));
      if (rows.isEmpty()) {
        return out;
      }
      for (StoredHit s : rows) {
        assertThat(out.put(s.hit().probeId(), s.hit())).as("one row per probe id").isNull();
        after = s.id();
      }
    }
  }

  @Test
  void manyHitsFromManyThreadsAreAllCommittedAndReadable() throws Exception {
    Database db = Database.at(dir.resolve("hits.db"));
    int threads = 4;
    int perThread = 2_500;
    int total = threads * perThread;
    CountDownLatch done = new CountDownLatch(total);
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger successes = new AtomicInteger();
    Map<String, HitRecord> offered = new ConcurrentHashMap<>();

    HitWriter writer = new HitWriter(db, HitWriter.Settings.DEFAULT);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> refusedPerThread = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        refusedPerThread.add(
            pool.submit(
                () -> {
                  int refused = 0;
                  for (int i = 0; i < perThread; i++) {
                    String id = "t" + thread + "-" + i;
                    HitRecord h = hit(id, thread * perThread + i);
                    offered.put(id, h);
                    boolean ok =
                        writer.offer(
                            h,
                            failure -> {
                              if (failure == null) {
                                successes.incrementAndGet();
                              } else {
                                failures.add(failure);
                              }
                              done.countDown();
                            });
                    if (!ok) {
                      refused++;
                    }
                  }
                  return refused;
                }));
      }
      for (Future<Integer> f : refusedPerThread) {
        assertThat(f.get(30, TimeUnit.SECONDS))
            .as("refused with a queue larger than the load")
            .isZero();
      }
      assertThat(done.await(30, TimeUnit.SECONDS)).as("every completion called").isTrue();
    } finally {
      pool.shutdownNow();
      writer.close();
    }

    assertThat(failures).isEmpty();
    assertThat(successes).hasValue(total);
    HitWriter.Stats stats = writer.stats();
    assertThat(stats.accepted()).isEqualTo(total);
    assertThat(stats.committed()).isEqualTo(total);
    assertThat(stats.refused()).isZero();
    assertThat(stats.failed()).isZero();
    assertThat(stats.queued()).isZero();
    assertThat(stats.batches()).isBetween(1L, (long) total);

    HitRepository repo = new HitRepository(db);
    assertThat(repo.count()).isEqualTo(successes.get());
    Map<String, HitRecord> rows = readAll(repo);
    assertThat(rows).hasSize(total);
    offered.forEach((id, h) -> assertThat(rows.get(id)).as(id).isEqualTo(h));
    HitRecord odd = rows.get("t0-1");
    assertThat(odd.sourcePort()).isNull();
    assertThat(odd.host()).isNull();
    assertThat(odd.userAgent()).isEqualTo("Mozilla/5.0 (Ünïcödé; 漢字) 🚀");
    assertThat(odd.path()).isEqualTo("/probe/t0-1?q=é");
  }

  @Test
  void textOverTheLimitsIsCut() throws Exception {
    Database db = Database.at(dir.resolve("bounded.db"));
    String longPath = "/" + "p".repeat(10_000);
    // a surrogate pair (an emoji) across the User-Agent limit must not be split
    String agent = "a".repeat(HitRecord.MAX_HEADER - 1) + "😀" + "tail";
    String host = "h".repeat(HitRecord.MAX_HEADER + 1);
    String forwarded = "203.0.113.7, ".repeat(200);
    String probe = "x".repeat(HitRecord.MAX_PROBE_ID + 50);
    HitRecord big =
        new HitRecord(
            1,
            "192.0.2.1",
            1,
            2,
            "M".repeat(100),
            longPath,
            host,
            agent,
            probe,
            forwarded,
            "HTTP/" + "9".repeat(50),
            null,
            null);

    CompletableFuture<Throwable> completion = new CompletableFuture<>();
    try (HitWriter writer = new HitWriter(db, HitWriter.Settings.DEFAULT)) {
      assertThat(writer.offer(big, completion::complete)).isTrue();
      assertThat(completion.get(30, TimeUnit.SECONDS)).isNull();
    }

    HitRecord stored = new HitRepository(db).find(HitQuery.all(1)).get(0).hit();
    assertThat(stored).isEqualTo(big.bounded());
    assertThat(stored.path())
        .hasSize(HitRecord.MAX_PATH)
        .isEqualTo(longPath.substring(0, HitRecord.MAX_PATH));
    assertThat(stored.host()).hasSize(HitRecord.MAX_HEADER);
    assertThat(stored.userAgent()).isEqualTo("a".repeat(HitRecord.MAX_HEADER - 1));
    assertThat(stored.forwardedFor()).hasSize(HitRecord.MAX_HEADER);
    assertThat(stored.probeId()).hasSize(HitRecord.MAX_PROBE_ID);
    assertThat(stored.method()).hasSize(32);
    assertThat(stored.httpVersion()).hasSize(16);
    assertThat(stored.sourceIp()).isEqualTo("192.0.2.1");
  }

  @Test
  void cutKeepsShortTextAndSurrogatePairs() {
    assertThat(HitRecord.cut(null, 3)).isNull();
    assertThat(HitRecord.cut("abc", 3)).isEqualTo("abc");
    assertThat(HitRecord.cut("abcd", 3)).isEqualTo("abc");
    assertThat(HitRecord.cut("ab😀", 3)).isEqualTo("ab");
    assertThat(HitRecord.cut("a😀b", 3)).isEqualTo("a😀");
    HitRecord withNulls =
        new HitRecord(
            1, "192.0.2.1", null, null, null, null, null, null, null, null, null, null, null);
    assertThat(withNulls.bounded()).isEqualTo(withNulls);
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> new HitWriter.Settings(0, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HitWriter.Settings(1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HitWriter.Settings(1, 1, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Remembers what each accepted hit's completion said. */
  private static final class Ledger {
    final Map<String, CompletableFuture<Throwable>> completions = new ConcurrentHashMap<>();
    final AtomicInteger counter = new AtomicInteger();

    /** Offers a new hit; returns its probe id when accepted. */
    Optional<String> offer(HitWriter writer, String prefix) {
      String id = prefix + "-" + counter.incrementAndGet();
      CompletableFuture<Throwable> f = new CompletableFuture<>();
      completions.put(id, f);
      if (writer.offer(hit(id, counter.get()), f::complete)) {
        return Optional.of(id);
      }
      completions.remove(id);
      return Optional.empty();
    }

    List<String> succeeded() {
      return completions.entrySet().stream()
          .filter(e -> e.getValue().isDone() && e.getValue().join() == null)
          .map(Map.Entry::getKey)
          .toList();
    }

    List<String> failed() {
      return completions.entrySet().stream()
          .filter(e -> e.getValue().isDone() && e.getValue().join() != null)
          .map(Map.Entry::getKey)
          .toList();
    }

    boolean allDone() {
      return completions.values().stream().allMatch(CompletableFuture::isDone);
    }
  }

  @Test
  void blockedWriterRefusesReportsFailuresAndRecovers() throws Exception {
    Path file = dir.resolve("blocked.db");
    Database db = new Database(file, Database.Durability.FULL, 50);
    HitRepository repo = new HitRepository(db);
    Ledger ledger = new Ledger();

    try (HitWriter writer = new HitWriter(db, new HitWriter.Settings(1, 16, 0))) {
      String before = ledger.offer(writer, "before").orElseThrow();
      assertThat(ledger.completions.get(before).get(30, TimeUnit.SECONDS)).isNull();

      List<String> duringBlock = new ArrayList<>();
      try (Connection blocker = MigrationsTest.raw(file);
          Statement st = blocker.createStatement()) {
        st.execute("BEGIN IMMEDIATE");

        boolean refused = false;
        for (int i = 0; i < 1_000_000 && !refused; i++) {
          Optional<String> id = ledger.offer(writer, "blocked");
          id.ifPresent(duringBlock::add);
          refused = id.isEmpty();
        }
        assertThat(refused).as("offer returns false once the queue is full").isTrue();
        assertThat(duringBlock).isNotEmpty();
        assertThat(writer.stats().refused()).isGreaterThanOrEqualTo(1);

        await().atMost(PATIENCE).until(ledger::allDone);
        assertThat(ledger.failed())
            .as("no hit written while the lock is held")
            .containsExactlyInAnyOrderElementsOf(duringBlock);
        assertThat(writer.failing()).isTrue();
        assertThat(ledger.completions.get(duringBlock.get(0)).join())
            .isInstanceOf(java.sql.SQLException.class);

        st.execute("ROLLBACK");
      }

      // recovery: a new hit is accepted and committed, and the writer stops failing
      await()
          .atMost(PATIENCE)
          .until(
              () -> {
                Optional<String> id = ledger.offer(writer, "after");
                return id.isPresent()
                    && ledger.completions.get(id.get()).get(30, TimeUnit.SECONDS) == null;
              });
      assertThat(writer.failing()).isFalse();
      for (int i = 0; i < 20; i++) {
        String id = ledger.offer(writer, "recovered").orElse(null);
        if (id != null) {
          assertThat(ledger.completions.get(id).get(30, TimeUnit.SECONDS)).isNull();
        }
      }
      HitWriter.Stats stats = writer.stats();
      assertThat(stats.failed()).isEqualTo(ledger.failed().size());
      assertThat(stats.committed()).isEqualTo(ledger.succeeded().size());
      assertThat(stats.accepted()).isEqualTo(ledger.completions.size());
    }

    assertThat(ledger.allDone()).isTrue();
    // every success has its row, every failure has none
    for (String id : ledger.succeeded()) {
      assertThat(stored(repo, id)).as("committed %s", id).isPresent();
    }
    for (String id : ledger.failed()) {
      assertThat(stored(repo, id)).as("failed %s", id).isEmpty();
    }
    assertThat(repo.count()).isEqualTo(ledger.succeeded().size());
  }

  @Test
  void closeCommitsWhatWasQueued() throws Exception {
    Path file = dir.resolve("close.db");
    // a busy timeout long enough for the writer to wait for the lock rather than fail
    Database db = new Database(file, Database.Durability.FULL, 30_000);
    Ledger ledger = new Ledger();
    HitWriter writer = new HitWriter(db, new HitWriter.Settings(1_000, 1_000, 0));
    try (Connection blocker = MigrationsTest.raw(file);
        Statement st = blocker.createStatement()) {
      st.execute("BEGIN IMMEDIATE");
      assertThat(ledger.offer(writer, "first")).isPresent();
      // the writer took the first hit and waits for the lock; the others stay queued
      await().atMost(PATIENCE).until(() -> writer.stats().queued() == 0);
      for (int i = 0; i < 499; i++) {
        assertThat(ledger.offer(writer, "queued")).isPresent();
      }
      assertThat(writer.stats().queued()).isEqualTo(499);
      assertThat(ledger.completions.values()).noneMatch(CompletableFuture::isDone);
      st.execute("ROLLBACK");
    }

    writer.close();

    assertThat(ledger.allDone()).as("close() returns after every completion").isTrue();
    assertThat(ledger.failed()).isEmpty();
    assertThat(ledger.succeeded()).hasSize(500);
    assertThat(new HitRepository(db).count()).isEqualTo(500);
    assertThat(writer.stats().queued()).isZero();
    assertThat(writer.stats().committed()).isEqualTo(500);
  }

  @Test
  void closedWriterRefusesAndNeverCallsTheCompletion() {
    Database db = Database.at(dir.resolve("closed.db"));
    HitWriter writer = new HitWriter(db, HitWriter.Settings.DEFAULT);
    writer.close();
    AtomicBoolean called = new AtomicBoolean();

    assertThat(writer.offer(hit("late", 1), f -> called.set(true))).isFalse();

    assertThat(writer.stats().refused()).isEqualTo(1);
    assertThat(called).isFalse();
    writer.close(); // twice is fine
  }

  @Test
  void everyAcceptedHitIsCompletedWhenCloseRacesWithOffers() throws Exception {
    for (int round = 0; round < 10; round++) {
      Database db = Database.at(dir.resolve("race-" + round + ".db"));
      HitWriter writer = new HitWriter(db, new HitWriter.Settings(64, 16, 0));
      AtomicLong accepted = new AtomicLong();
      AtomicLong completed = new AtomicLong();
      AtomicLong succeeded = new AtomicLong();
      AtomicBoolean closeReturned = new AtomicBoolean();
      int threads = 4;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> offering = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          offering.add(
              pool.submit(
                  () -> {
                    for (int i = 0; !closeReturned.get(); i++) {
                      boolean ok =
                          writer.offer(
                              hit("r" + thread + "-" + i, i),
                              f -> {
                                if (f == null) {
                                  succeeded.incrementAndGet();
                                }
                                completed.incrementAndGet();
                              });
                      if (ok) {
                        accepted.incrementAndGet();
                      }
                    }
                  }));
        }
        await().atMost(PATIENCE).until(() -> writer.stats().committed() > 100);
        writer.close();
        closeReturned.set(true);
        for (Future<?> f : offering) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
        writer.close();
      }
      long acceptedAll = accepted.get();
      assertThat(writer.stats().accepted()).isEqualTo(acceptedAll);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> assertThat(completed.get()).as("completions").isEqualTo(acceptedAll));
      assertThat(succeeded.get()).isEqualTo(acceptedAll);
      assertThat(new HitRepository(db).count()).isEqualTo(acceptedAll);
    }
  }
}
