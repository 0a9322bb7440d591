package io.egressaudit.server;

import io.egressaudit.server.http.ListenerTransport;

/** {@link ListenerProtocolTests} on epoll (Linux). */
class ListenerProtocolEpollIT extends ListenerProtocolTests {
  ListenerProtocolEpollIT() {
    super(ListenerTransport.EPOLL);
  }
}
