package io.egressaudit.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Linux's table of TCP sockets ({@code /proc/net/tcp} and {@code tcp6}), as tests read it. */
final class TcpTable {

  private TcpTable() {}

  /**
   * How many sockets of this host have the local port and the IPv4 peer (plain or IPv4-mapped) and
   * are in state ESTABLISHED ({@code 01}): the server's side of connections from that peer.
   *
   * @param localPort the server's port
   * @param peerIpv4 the client's dotted-quad address
   */
  static long established(int localPort, String peerIpv4) {
    String[] q = peerIpv4.split("\\.");
    // /proc writes an IPv4 address as one 32-bit word in host (little-endian) order
    String word =
        String.format(
            Locale.ROOT,
            "%02X%02X%02X%02X",
            Integer.parseInt(q[3]),
            Integer.parseInt(q[2]),
            Integer.parseInt(q[1]),
            Integer.parseInt(q[0]));
    String port = String.format(Locale.ROOT, ":%04X", localPort);
    long n = 0;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : lines(Path.of(table))) {
        String[] f = line.strip().split("\\s+");
        if (f.length > 3
            && f[1].endsWith(port)
            && f[2].startsWith(word, f[2].indexOf(':') - 8)
            && f[3].equals("01")) {
          n++;
        }
      }
    }
    return n;
  }

  private static List<String> lines(Path p) {
    try {
      return Files.exists(p) ? Files.readAllLines(p) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
