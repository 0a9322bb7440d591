package io.egressaudit.controller.informer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of the mock API server, to stop and restart "the API server" as a
 * client sees it: {@link #stop()} closes the listening socket and every connection (connections are
 * refused), {@link #start()} listens on the same port again.
 */
final class TcpProxy implements AutoCloseable {

  private final int upstreamPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket listening;
  private int port;

  TcpProxy(int upstreamPort) {
    this.upstreamPort = upstreamPort;
  }

  /** The proxy's port (fixed after the first {@link #start()}). */
  int port() {
    return port;
  }

  /** Listens (again, on the same port). */
  synchronized TcpProxy start() throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    port = s.getLocalPort();
    listening = s;
    Thread t = new Thread(() -> accept(s), "tcp-proxy-" + port);
    t.setDaemon(true);
    t.start();
    return this;
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      try {
        Socket client = s.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16384];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // one side closed: close both below
              }
              closeQuietly(from);
              closeQuietly(to);
            },
            "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Refuses connections and cuts those open, as a stopped API server does. */
  synchronized void stop() {
    closeQuietly(listening);
    sockets.forEach(TcpProxy::closeQuietly);
    sockets.clear();
  }

  @Override
  public void close() {
    stop();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      if (c != null) {
        c.close();
      }
    } catch (Exception e) {
      // already closed
    }
  }
}
