package io.egressaudit.server;

import io.egressaudit.server.http.ListenerTransport;

/** {@link ListenerProtocolTests} on io_uring (Linux 5.14+, where the kernel allows it). */
class ListenerProtocolIoUringIT extends ListenerProtocolTests {
  ListenerProtocolIoUringIT() {
    super(ListenerTransport.IO_URING);
  }
}
