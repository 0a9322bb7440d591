package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large snapshot import into the database a running hit writer commits to must not make hits
 * wait: from another process ({@code cluster import} beside {@code serve}), where only SQLite's
 * lock and busy timeout stand between them, and from the same process ({@code serve
 * --cluster-state}). The writer here gives up after 1 s of SQLITE_BUSY and has room for 1,000 hits
 * (one offered per millisecond), so an import that held the write lock for 1 s would refuse or fail
 * hits (one transaction for the whole import held it 1.6 s from another process and 8 s from the
 * same one); a 2-core machine busy with other work stalls the writer for a few hundred ms at times,
 * which this leaves room for. The longest wait of a hit, offer to commit, is printed.
 */
class SnapshotImportBesideHitWriterTest {

  private static final int PODS = 40_000;
  private static final int WRITER_ROOM = 1_000;
  private static final int BUSY_TIMEOUT_MS = 1_000;
  private static final Instant AT = Instant.parse("2021-11-26T17:40:43Z");

  @TempDir Path dir;

  private record Outcome(long refused, long failed, long committed, long longestWaitMicros) {}

  /** Offers one hit per millisecond while {@code importing} runs, and counts what happened. */
  private Outcome hitsDuring(Database db, Runnable importing) throws Exception {
    AtomicLong longest = new AtomicLong();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger counter = new AtomicInteger();
    ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    try (HitWriter writer = new HitWriter(db, new HitWriter.Settings(WRITER_ROOM, 64, 0))) {
      clock.scheduleAtFixedRate(
          () -> {
            long offered = System.nanoTime();
            int n = counter.incrementAndGet();
            writer.offer(
                HitWriterTest.hit("during-import-" + n, n),
                failure -> {
                  if (failure != null) {
                    failed.incrementAndGet();
                  }
                  longest.accumulateAndGet((System.nanoTime() - offered) / 1000, Math::max);
                });
          },
          0,
          1,
          TimeUnit.MILLISECONDS);
      importing.run();
      clock.shutdown();
      assertThat(clock.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      writer.close();
      HitWriter.Stats stats = writer.stats();
      return new Outcome(stats.refused(), failed.get(), stats.committed(), longest.get());
    } finally {
      clock.shutdownNow();
    }
  }

  @Test
  void anImportInAnotherProcessNeverMakesTheHitWriterRefuseHits() throws Exception {
    Path file = dir.resolve("audit.db");
    Database db = new Database(file, Database.Durability.NORMAL, BUSY_TIMEOUT_MS);
    db.migrate();
    long start = System.nanoTime();
    Outcome o =
        hitsDuring(
            db,
            () -> {
              try {
                Process p =
                    new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            SnapshotImportProcess.class.getName(),
                            file.toString(),
                            "demo",
                            Integer.toString(PODS),
                            Long.toString(AT.toEpochMilli()))
                        .redirectErrorStream(true)
                        .start();
                String out = new String(p.getInputStream().readAllBytes());
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(out).isZero();
                assertThat(out).contains("opened=" + (PODS + 300));
              } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    report("another process", o, start);

    assertThat(o.refused()).isZero();
    assertThat(o.failed()).isZero();
    assertThat(o.committed()).isPositive();
  }

  @Test
  void anImportInTheSameProcessNeverMakesTheHitWriterRefuseHits() throws Exception {
    Database db =
        new Database(dir.resolve("audit.db"), Database.Durability.NORMAL, BUSY_TIMEOUT_MS);
    ClusterHistory history = new ClusterHistory(db);
    var objects = SnapshotImportProcess.cluster(PODS);
    long start = System.nanoTime();
    Outcome o =
        hitsDuring(
            db,
            () ->
                assertThat(
                        CompletableFuture.supplyAsync(
                                () -> history.recordSnapshot("demo", AT, objects, "generated"))
                            .join()
                            .opened())
                    .isEqualTo(PODS + 300));
    report("this process", o, start);

    assertThat(o.refused()).isZero();
    assertThat(o.failed()).isZero();
    assertThat(o.committed()).isPositive();
  }

  private static void report(String where, Outcome o, long start) {
    System.out.printf(
        "import of %d objects from %s took %d ms; hits committed %d, refused %d, failed %d;"
            + " longest hit wait %.1f ms%n",
        PODS + 300,
        where,
        (System.nanoTime() - start) / 1_000_000,
        o.committed(),
        o.refused(),
        o.failed(),
        o.longestWaitMicros() / 1000.0);
  }
}
