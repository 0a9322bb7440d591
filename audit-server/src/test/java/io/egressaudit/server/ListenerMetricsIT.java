package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitRepository;
import io.egressaudit.sql.HitWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics counts the listener's answers by status, so rows can be checked against 200s sent. */
class ListenerMetricsIT {

  @TempDir Path dir;

  @Test
  void answersAreCountedByStatusAndRowsEqualTheTwoHundredsSent() throws Exception {
    Database db = Database.at(dir.resolve("audit.db"));
    try (AuditServer server = TestServers.start(db, HitWriter.Settings.DEFAULT, false)) {
      int port = server.hitPorts().get(0);
      for (int i = 0; i < 5; i++) {
        assertThat(LoopbackClient.get("127.0.0.41", port, "/counted-" + i).status()).isEqualTo(200);
      }
      LoopbackClient.Response tooLarge =
          LoopbackClient.send(
              "127.0.0.41", port, "POST", "/big", Map.of("Content-Length", "999999999"), null);
      assertThat(tooLarge.status()).isEqualTo(413);

      String metrics = new ApiClient(server.apiPort()).get("/metrics").body();

      assertThat(answers(metrics, "200")).isEqualTo(5);
      assertThat(answers(metrics, "413")).isEqualTo(1);
      assertThat(answers(metrics, "503")).isZero();
      assertThat(new HitRepository(db).count())
          .isEqualTo(answers(metrics, "200") + answers(metrics, "none"));
    }
  }

  private static long answers(String metrics, String status) {
    Matcher m =
        Pattern.compile("egress_audit_listener_answers_total\\{status=\"" + status + "\"\\} (\\d+)")
            .matcher(metrics);
    assertThat(m.find()).as("answers of status " + status + " in:\n" + metrics).isTrue();
    return Long.parseLong(m.group(1));
  }
}
