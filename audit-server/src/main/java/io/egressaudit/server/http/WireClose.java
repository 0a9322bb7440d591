package io.egressaudit.server.http;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Closes a connection so that its TCP connection ends too, whatever the transport.
 *
 * <p>With Netty's io_uring transport, closing a channel that still has request bytes unread (a
 * refused 1 MB header block, a body over {@code --max-body}) releases its file descriptor, but the
 * kernel keeps the socket, ESTABLISHED and sending nothing, for as long as the client keeps its end
 * open: an operation io_uring still holds on the socket keeps it alive after {@code close(2)}, and
 * neither {@code --idle-timeout} nor {@code --max-connections} sees it any more. {@code
 * shutdown(2)} acts on the socket rather than the descriptor: the FIN goes out at once and the
 * pending operation completes. epoll and NIO close as before; the shutdown costs one system call on
 * refused connections only, never on the hot path of recorded hits.
 */
final class WireClose {

  private WireClose() {}

  /**
   * Shuts both directions of the connection's socket down, then closes the connection. Call it once
   * the last answer is written.
   *
   * @param connection a Vert.x HTTP/1.x server connection
   */
  static void close(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      Channel ch = base.channel();
      if (ch instanceof DuplexChannel duplex && ch.isActive()) {
        duplex.shutdown().addListener(f -> connection.close());
        return;
      }
    }
    connection.close();
  }

  /**
   * As {@link #close(HttpConnection)}, for a Netty channel under Vert.x.
   *
   * @param ch the channel of an accepted connection
   */
  static void close(Channel ch) {
    if (ch instanceof DuplexChannel duplex && ch.isActive()) {
      duplex.shutdown().addListener(f -> ch.close());
    } else {
      ch.close();
    }
  }
}
