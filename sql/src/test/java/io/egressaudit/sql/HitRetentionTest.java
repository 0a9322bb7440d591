package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HitRetentionTest {

  @TempDir Path dir;

  private static HitRecord hit(long at, String probe) {
    return new HitRecord(
        at,
        "10.0.0.1",
        1234,
        8080,
        "GET",
        "/" + "x".repeat(400),
        "h",
        "curl/8",
        probe,
        null,
        "HTTP/1.1",
        null,
        null);
  }

  @Test
  void prunesOnlyHitsOlderThanTheCutoffInBatchesAndGivesSpaceBack() throws Exception {
    Database db = Database.at(dir.resolve("a.db"));
    db.migrate();
    HitRepository repo = new HitRepository(db);
    List<HitRecord> hits = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      hits.add(hit(1_000_000L + i, "p" + i));
    }
    repo.insertAll(hits);
    checkpoint(db);
    long sizeBefore = Files.size(db.file());

    long deleted = new HitRetention(db, 1000).prune(Instant.ofEpochMilli(1_000_000L + 15_000));

    assertThat(deleted).isEqualTo(15_000);
    assertThat(repo.count()).isEqualTo(5_000);
    assertThat(repo.find(HitQuery.all(1)).get(0).hit().probeId()).isEqualTo("p15000");
    checkpoint(db);
    assertThat(Files.size(db.file())).isLessThan(sizeBefore / 2);
    assertThat(pragma(db, "PRAGMA auto_vacuum")).isEqualTo(2);
  }

  @Test
  void pruningNothingDeletesNothing() {
    Database db = Database.at(dir.resolve("b.db"));
    db.migrate();
    new HitRepository(db).insertAll(List.of(hit(5000, "keep")));
    assertThat(new HitRetention(db, 10).prune(Instant.ofEpochMilli(5000))).isZero();
    assertThat(new HitRepository(db).count()).isEqualTo(1);
  }

  @Test
  void theHitWriterKeepsCommittingWhilePruning() throws Exception {
    Database db = Database.at(dir.resolve("c.db"));
    db.migrate();
    List<HitRecord> old = new ArrayList<>();
    for (int i = 0; i < 30_000; i++) {
      old.add(hit(i, null));
    }
    new HitRepository(db).insertAll(old);
    AtomicInteger failures = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(2000);
    try (HitWriter writer = new HitWriter(db, HitWriter.Settings.DEFAULT)) {
      Thread pruner =
          new Thread(() -> new HitRetention(db, 500).prune(Instant.ofEpochMilli(30_000)));
      pruner.start();
      for (int i = 0; i < 2000; i++) {
        HitRecord h = hit(Instant.now().toEpochMilli(), "new" + i);
        while (!writer.offer(
            h,
            f -> {
              if (f != null) {
                failures.incrementAndGet();
              }
              done.countDown();
            })) {
          Thread.onSpinWait();
        }
      }
      assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
      pruner.join(60_000);
    }
    assertThat(failures).hasValue(0);
    assertThat(new HitRepository(db).count()).isEqualTo(2000);
  }

  private static void checkpoint(Database db) throws Exception {
    try (Connection c = db.openWriter();
        Statement st = c.createStatement()) {
      st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }
  }

  private static long pragma(Database db, String sql) throws Exception {
    try (Connection c = db.openReader();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
