package io.egressaudit.server;

import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.util.List;

/** Starts an {@link AuditServer} in-process on free loopback ports, as the ITs need it. */
final class TestServers {

  /** The listener limits of {@code serve}, with two event loops instead of one per core. */
  static final ListenerSettings LIMITS = ListenerSettings.builder().eventLoops(2).build();

  private TestServers() {}

  /** A config with the hit listener and the API on 127.0.0.1, free ports, two event loops. */
  static AuditServer.Builder config(Database database) {
    return AuditServer.Config.builder(database)
        .listen(List.of(new HostPort("127.0.0.1", 0)))
        .api(new HostPort("127.0.0.1", 0))
        .listener(LIMITS);
  }

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
        config(database).writer(writer).example(example).listener(limits).build());
  }
}
