package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --listen 0.0.0.0:PORT}: the warning that the IPv4 wildcard also accepts IPv6 clients is
 * given exactly when it does (an IPv6 loopback connection succeeds), so the bastion operator knows
 * what is exposed.
 */
class WildcardListenIT {

  @TempDir Path dir;

  private AuditServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theIpv4WildcardIsSaidToAcceptIpv6ExactlyWhenItDoes() throws Exception {
    Database database = new Database(dir.resolve("audit.db"), Database.Durability.NORMAL, 5_000);
    server =
        AuditServer.start(
            TestServers.config(database)
                .listen(List.of(new HostPort("0.0.0.0", 0)))
                .writer(HitWriter.Settings.DEFAULT)
                .build());
    int port = server.hitPorts().get(0);
    boolean reachedOverIpv6;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getByName("::1"), port), 2_000);
      reachedOverIpv6 = true;
    } catch (java.io.IOException e) {
      reachedOverIpv6 = false;
    }
    assertThat(AuditServer.acceptsIpv6Too("0.0.0.0"))
        .as("warned; connected over ::1: %s", reachedOverIpv6)
        .isEqualTo(reachedOverIpv6);
    assertThat(AuditServer.acceptsIpv6Too("127.0.0.1")).isFalse();
  }
}
