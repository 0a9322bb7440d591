package io.egressaudit.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback TCP port that refuses every connection for the whole test run: a socket is bound to it
 * and never listens. A port merely found free could be handed to another test's server a moment
 * later, and a request meant to go nowhere would then hang until curl's {@code --max-time}.
 */
public final class ClosedPort {

  private static final Socket HOLDER = bind();

  /** The port; connections to 127.0.0.1 on it are refused (RST). */
  public static final int PORT = HOLDER.getLocalPort();

  private ClosedPort() {}

  private static Socket bind() {
    try {
      Socket s = new Socket();
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
