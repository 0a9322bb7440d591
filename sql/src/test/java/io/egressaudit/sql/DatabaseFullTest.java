package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database at its size cap refuses new rows (the hit writer reports failures, never success), and
 * recovers by itself once retention frees pages.
 */
class DatabaseFullTest {

  @TempDir Path dir;

  private static HitRecord hit(long at, String probe) {
    return new HitRecord(
        at,
        "10.0.0.1",
        1,
        8080,
        "GET",
        "/" + "p".repeat(1500),
        null,
        null,
        probe,
        null,
        "HTTP/1.1",
        null,
        null);
  }

  @Test
  void aFullDatabaseFailsWritesUntilRetentionFreesSpace() throws Exception {
    Path file = dir.resolve("full.db");
    Database.at(file).migrate();
    Database capped = new Database(file, Database.Durability.FULL, 1000, 512 * 1024);
    try (HitWriter writer = new HitWriter(capped, new HitWriter.Settings(64, 16, 0))) {
      Throwable failure = null;
      int stored = 0;
      for (int i = 0; i < 10_000 && failure == null; i++) {
        failure = write(writer, hit(i, "old-" + i));
        if (failure == null) {
          stored++;
        }
      }
      assertThat(failure).as("the cap is reached").isNotNull();
      assertThat(failure.getMessage()).containsIgnoringCase("full");
      assertThat(writer.failing()).isTrue();
      assertThat(new HitRepository(capped).count()).isEqualTo(stored);

      long deleted = new HitRetention(capped, 100).prune(Instant.ofEpochMilli(stored / 2));
      assertThat(deleted).isPositive();

      assertThat(write(writer, hit(System.currentTimeMillis(), "after-prune"))).isNull();
      assertThat(writer.failing()).isFalse();
      assertThat(
              new HitRepository(capped)
                  .find(new HitQuery(Long.MIN_VALUE, Long.MAX_VALUE, null, "after-prune", 0, 1)))
          .hasSize(1);
    }
  }

  /** Offers one hit and waits for its outcome: null when committed. */
  private static Throwable write(HitWriter writer, HitRecord hit) throws Exception {
    CompletableFuture<Throwable> done = new CompletableFuture<>();
    assertThat(writer.offer(hit, done::complete)).isTrue();
    return done.get(30, TimeUnit.SECONDS);
  }
}
