package io.egressaudit.server;

import io.egressaudit.server.http.ListenerTransport;

/** {@link ListenerProtocolTests} on Java NIO. */
class ListenerProtocolNioIT extends ListenerProtocolTests {
  ListenerProtocolNioIT() {
    super(ListenerTransport.NIO);
  }
}
