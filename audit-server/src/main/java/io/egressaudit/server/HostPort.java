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
   * @throws IllegalArgumentException naming the option when the text is not an address, when its
   *     port is above 65535, or when its host is not a valid IPv4 or IPv6 literal or host name
   *     (text that looks like an IP address is never resolved)
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
    checkHost(host, text, what);
    return new HostPort(host, Integer.parseInt(digits));
  }

  /**
   * Refuses a host that is not what it looks like, before anything resolves it: text of digits and
   * dots must be a dotted-quad IPv4 address (four parts of 0 to 255, no leading zeros: {@code
   * 999.1.1.1}, {@code 127.1} and {@code 010.0.0.1} are refused rather than sent to DNS), text in
   * brackets an IPv6 address without a zone, and any other text a DNS name (letters, digits,
   * hyphens and dots).
   */
  private static void checkHost(String host, String text, String what) {
    if (host.indexOf(':') >= 0) {
      IPAddress a = new IPAddressString(host).getAddress();
      if (a == null || !a.isIPv6() || host.indexOf('%') >= 0) {
        throw new IllegalArgumentException(
            what + ": '" + text + "': [" + host + "] is not an IPv6 address (like [::1])");
      }
    } else if (host.matches("[0-9.]+")) {
      if (!host.matches(DOTTED_QUAD)) {
        throw new IllegalArgumentException(
            what
                + ": '"
                + text
                + "': "
                + host
                + " is not an IPv4 address (four parts of 0 to 255, like 127.0.0.1)");
      }
    } else if (!host.matches(
        "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?")) {
      throw new IllegalArgumentException(
          what + ": '" + text + "': '" + host + "' is not an IP address or a host name");
    }
  }

  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

  private static final String DOTTED_QUAD = OCTET + "(\\." + OCTET + "){3}";

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
