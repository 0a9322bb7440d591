package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleSpansTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  @TempDir Path dir;

  @Test
  void aSpanOpensOnceAndEndsWhenSyncedAgain() {
    Database db = Database.at(dir.resolve("audit.db"));
    StaleSpans spans = new StaleSpans(db);

    spans.stale("prod", T0, "watch of pods lost");
    spans.stale("prod", T0.plusSeconds(5), "HTTP 401"); // still the same outage
    Map<String, List<StaleSpans.Span>> open = StaleSpans.load(db);
    assertThat(open.get("prod"))
        .containsExactly(new StaleSpans.Span("prod", T0, null, "watch of pods lost"));
    assertThat(StaleSpans.covering(open, "prod", T0.plusSeconds(3600))).isNotNull();

    spans.synced("prod", T0.plusSeconds(60));
    spans.synced("prod", T0.plusSeconds(90)); // nothing open: nothing changes
    spans.stale("prod", T0.plusSeconds(120), "watch of nodes lost");
    Map<String, List<StaleSpans.Span>> all = StaleSpans.load(db);
    assertThat(all.get("prod"))
        .containsExactly(
            new StaleSpans.Span("prod", T0, T0.plusSeconds(60), "watch of pods lost"),
            new StaleSpans.Span("prod", T0.plusSeconds(120), null, "watch of nodes lost"));
    assertThat(StaleSpans.covering(all, "prod", T0.minusMillis(1))).isNull();
    assertThat(StaleSpans.covering(all, "prod", T0.plusSeconds(59)).reason())
        .isEqualTo("watch of pods lost");
    assertThat(StaleSpans.covering(all, "prod", T0.plusSeconds(60))).isNull();
    assertThat(StaleSpans.covering(all, "other", T0.plusSeconds(30))).isNull();
  }
}
