package io.egressaudit.server;

import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.util.List;
import java.util.Map;

/** Starts an {@link AuditServer} in-process on free loopback ports, as the ITs need it. */
final class TestServers {

  /** The listener limits of {@code serve}, with two event loops instead of one per core. */
  static final ListenerSettings LIMITS =
      new ListenerSettings(
          ListenerSettings.DEFAULT.maxInitialLineBytes(),
          ListenerSettings.DEFAULT.maxHeaderBytes(),
          ListenerSettings.DEFAULT.maxBodyBytes(),
          ListenerSettings.DEFAULT.idleTimeoutSeconds(),
          2);

  private TestServers() {}

  /**
   * Starts a server whose hit listener and API are on 127.0.0.1, free ports; no trusted proxy, no
   * retention.
   *
   * @param example record the bundled example cluster ("demo") at start
   */
  static AuditServer start(Database database, HitWriter.Settings writer, boolean example) {
    return start(database, writer, example, LIMITS);
  }

  /** As {@link #start(Database, HitWriter.Settings, boolean)}, with the given listener settings. */
  static AuditServer start(
      Database database, HitWriter.Settings writer, boolean example, ListenerSettings limits) {
    return AuditServer.start(
        new AuditServer.Config(
            List.of(new HostPort("127.0.0.1", 0)),
            new HostPort("127.0.0.1", 0),
            database,
            writer,
            limits,
            null,
            Map.of(),
            example,
            10,
            TrustedProxies.NONE,
            null));
  }
}
