package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /metrics counts the hits recorded since start by attribution kind and leak suspicion, on the
 * bundled example cluster: 127.0.0.100 is egressip-demo's IP, 127.0.0.51 the node where simpson's
 * pods run (a hit from it is a suspected leak of simpson), 127.0.0.53 bouvier's node.
 */
class AttributionMetricsIT {

  @TempDir Path dir;

  @Test
  void hitsAreCountedOnceByKindAndLeakSuspicionWithoutIpLabels() throws Exception {
    Database db = Database.at(dir.resolve("audit.db"));
    try (AuditServer server = TestServers.start(db, HitWriter.Settings.DEFAULT, true)) {
      int port = server.hitPorts().get(0);
      ApiClient api = new ApiClient(server.apiPort());
      for (String source :
          new String[] {"127.0.0.100", "127.0.0.100", "127.0.0.51", "127.0.0.53"}) {
        assertThat(LoopbackClient.get(source, port, "/").status()).isEqualTo(200);
      }
      assertThat(LoopbackClient.get("127.0.0.77", port, "/").status()).isEqualTo(200);

      String first = api.get("/metrics").body();

      assertThat(attributed(first, "egress-ip", false)).isEqualTo(2);
      assertThat(attributed(first, "node", true)).isEqualTo(1);
      assertThat(attributed(first, "node", false)).isEqualTo(1);
      assertThat(attributed(first, "unknown", false)).isEqualTo(1);
      assertThat(first).doesNotContain("127.0.0.");

      assertThat(LoopbackClient.get("127.0.0.51", port, "/").status()).isEqualTo(200);
      String second = api.get("/metrics").body();

      assertThat(attributed(second, "node", true)).as("only the new hit is counted").isEqualTo(2);
      assertThat(attributed(second, "egress-ip", false)).isEqualTo(2);
    }
  }

  private static long attributed(String metrics, String kind, boolean leak) {
    Matcher m =
        Pattern.compile(
                "egress_audit_attributed_hits_total\\{kind=\""
                    + kind
                    + "\",leak=\""
                    + leak
                    + "\"\\} (\\d+)(\\.0)?")
            .matcher(metrics);
    assertThat(m.find()).as("kind %s leak %s in:\n%s", kind, leak, metrics).isTrue();
    return Long.parseLong(m.group(1));
  }
}
