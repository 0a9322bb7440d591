package io.egressaudit.server;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.egressaudit.correlator.SourceIp;

/**
 * An address to listen on, as {@code --listen} and {@code --api} take it: {@code HOST:PORT}, {@code
 * [IPV6]:PORT}, {@code :PORT} or {@code PORT} (all interfaces).
 *
 * @param host the host or IP to bind
 * @param port 0 to 65535; 0 picks a free port
 */
public record HostPort(String host, int port) {

  /**
   * Parses the text.
   *
   * @param text such as {@code 0.0.0.0:8080}
   * @param what the option, for the error message
   * @throws IllegalArgumentException naming the option when the text is not an address, or when its
   *     port is above 65535
   */
  public static HostPort parse(String text, String what) {
    String t = text == null ? "" : text.strip();
    String host;
    String port;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
        throw bad(text, what);
      }
      host = t.substring(1, close);
      port = t.substring(close + 2);
    } else {
      int colon = t.lastIndexOf(':');
      if (colon < 0) {
        host = "0.0.0.0";
        port = t;
      } else {
        host = colon == 0 ? "0.0.0.0" : t.substring(0, colon);
        port = t.substring(colon + 1);
        if (host.contains(":")) {
          throw bad(text, what);
        }
      }
    }
    if (host.isEmpty() || !port.matches("\\d+")) {
      throw bad(text, what);
    }
    String digits = port.replaceFirst("^0+(?=\\d)", "");
    if (digits.length() > 5 || Integer.parseInt(digits) > 65535) {
      throw new IllegalArgumentException(
          what
              + ": '"
              + text
              + "': port "
              + port
              + " is out of range 1-65535 (0 picks a free port)");
    }
    return new HostPort(host, Integer.parseInt(digits));
  }

  /**
   * True when the host is a loopback address literal ({@code 127.0.0.0/8}, {@code ::1}, {@code
   * ::ffff:127.x.y.z}) or {@code localhost}. Read with the IP address library, not by prefix: a
   * name such as {@code 127.0.0.1.invalid} resolves wherever DNS says, and short inet_aton forms
   * ({@code 127.1}) are not taken either.
   */
  public boolean loopback() {
    if (host.equals("localhost")) {
      return true;
    }
    return SourceIp.parse(host)
        .map(ip -> new IPAddressString(ip).getAddress())
        .map(IPAddress::isLoopback)
        .orElse(false);
  }

  private static IllegalArgumentException bad(String text, String what) {
    return new IllegalArgumentException(
        what + ": '" + text + "' is not HOST:PORT (like 0.0.0.0:8080, [::]:8080 or :8080)");
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
