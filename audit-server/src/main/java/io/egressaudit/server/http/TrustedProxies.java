package io.egressaudit.server.http;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.egressaudit.correlator.SourceIp;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxies whose forwarded-for headers are believed ({@code serve --trusted-proxy CIDR}). A
 * request from any other peer keeps the peer as its source IP and its headers as a mere claim.
 *
 * <p>From a trusted peer, the client is the right-most address of the header the proxies write
 * ({@link ForwardedHeader}: {@code X-Forwarded-For}, or the {@code for=} parameters of {@code
 * Forwarded}, RFC 7239) that is not itself a trusted proxy; the other header is only a claim. The
 * entries to its left were written by the client or by proxies nobody vouches for. A header sent on
 * several lines is one list, in order; a {@code Forwarded} element without {@code for=}, or with
 * two, names nobody, so the peer stays the source. An entry that names no client's address (not an
 * IP, an IP with a zone, {@code 0.0.0.0}, broadcast, multicast) is unparseable: the peer stays the
 * source.
 *
 * <p>Transport-independent: callers pass the header lines as their HTTP decoder gives them.
 */
public final class TrustedProxies {

  /** No trusted proxy: every forwarded-for header is a claim. */
  public static final TrustedProxies NONE =
      new TrustedProxies(List.of(), ForwardedHeader.X_FORWARDED_FOR);

  private final List<IPAddress> networks;
  private final ForwardedHeader header;

  private TrustedProxies(List<IPAddress> networks, ForwardedHeader header) {
    this.networks = networks;
    this.header = header;
  }

  /**
   * Parses CIDRs as {@link #of(List, ForwardedHeader)} does, the proxies writing {@code
   * X-Forwarded-For}.
   */
  public static TrustedProxies of(List<String> cidrs) {
    return of(cidrs, ForwardedHeader.X_FORWARDED_FOR);
  }

  /**
   * Parses CIDRs such as {@code 10.0.0.0/8}, {@code 192.0.2.10} or {@code 2001:db8::/32}.
   *
   * @param cidrs the trusted proxies' networks
   * @param header the header those proxies write the client into
   * @throws IllegalArgumentException naming {@code --trusted-proxy} and the text when one is not a
   *     CIDR or address
   */
  public static TrustedProxies of(List<String> cidrs, ForwardedHeader header) {
    List<IPAddress> networks = new ArrayList<>();
    for (String c : cidrs) {
      IPAddress a = new IPAddressString(c.strip()).getAddress();
      if (a == null) {
        throw new IllegalArgumentException(
            "--trusted-proxy: '" + c + "' is not a CIDR like 10.0.0.0/8 or an IP address");
      }
      networks.add(a.toPrefixBlock());
    }
    return new TrustedProxies(List.copyOf(networks), header);
  }

  /** The header the trusted proxies write the client into. */
  public ForwardedHeader header() {
    return header;
  }

  /** True when no proxy is trusted. */
  public boolean isEmpty() {
    return networks.isEmpty();
  }

  /** Tells whether a canonical IP is within a trusted proxy network. */
  public boolean trusts(String ip) {
    if (networks.isEmpty()) {
      return false;
    }
    IPAddress a = new IPAddressString(ip).getAddress();
    if (a == null) {
      return false;
    }
    for (IPAddress n : networks) {
      if (n.getIPVersion() == a.getIPVersion() && n.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Entries of a forwarded-for chain read from the right at most: real chains have a few proxies,
   * and parsing thousands of addresses that a header can hold would cost the event loop
   * milliseconds per request.
   */
  public static final int MAX_HOPS = 16;

  /**
   * The client a trusted peer forwarded for.
   *
   * <p>Each header is given as its lines in the order received: a header repeated on several lines
   * is one comma-separated list (RFC 9110 section 5.3), and proxies such as HAProxy ({@code option
   * forwardfor}) add a line of their own after the client's rather than extend it.
   *
   * @param peer the canonical TCP peer
   * @param xForwardedFor the lines of {@code X-Forwarded-For}, in order; empty when absent
   * @param forwarded the lines of {@code Forwarded}, in order; empty when absent
   * @return the canonical client IP, or null when the peer is not trusted, did not send the
   *     configured {@link #header()} (the other one is never read here), the right-most untrusted
   *     entry is not an IP address, or there is none within {@link #MAX_HOPS} entries from the
   *     right (then the peer stays the source)
   */
  public String clientOf(String peer, List<String> xForwardedFor, List<String> forwarded) {
    if (!trusts(peer)) {
      return null;
    }
    boolean xff = header == ForwardedHeader.X_FORWARDED_FOR;
    Entries entries = new Entries(xff ? xForwardedFor : forwarded);
    for (int hop = 0; hop < MAX_HOPS; hop++) {
      String entry = entries.previous();
      if (entry == null) {
        return null;
      }
      String ip = clientAddress(xff ? xForwardedForAddress(entry) : forwardedFor(entry));
      if (ip == null) {
        return null;
      }
      if (!trusts(ip)) {
        return ip;
      }
    }
    return null;
  }

  /**
   * The forwarded-for claim a hit keeps: every line of the header sent, in order, joined as one
   * list. When both headers were sent, both are kept, each named, the configured {@link #header()}
   * first: {@code X-Forwarded-For: a, b | Forwarded: for=c}.
   *
   * @param xForwardedFor the lines of {@code X-Forwarded-For}, in order; empty when absent
   * @param forwarded the lines of {@code Forwarded}, in order; empty when absent
   * @return the claim, or null when neither header was sent
   */
  public String claimOf(List<String> xForwardedFor, List<String> forwarded) {
    if (forwarded.isEmpty()) {
      return joined(xForwardedFor);
    }
    if (xForwardedFor.isEmpty()) {
      return joined(forwarded);
    }
    String x = ForwardedHeader.X_FORWARDED_FOR.headerName() + ": " + joined(xForwardedFor);
    String f = ForwardedHeader.FORWARDED.headerName() + ": " + joined(forwarded);
    return header == ForwardedHeader.X_FORWARDED_FOR ? x + " | " + f : f + " | " + x;
  }

  /** The lines of one header as one list, as if sent on one line; null for none. */
  static String joined(List<String> lines) {
    return switch (lines.size()) {
      case 0 -> null;
      case 1 -> lines.get(0);
      default -> String.join(", ", lines);
    };
  }

  /**
   * The comma-separated entries of a header's lines, read from the right without splitting what is
   * not read: a header of thousands of entries costs no more than {@link #MAX_HOPS} of them. Empty
   * entries ({@code a,,b}) are skipped.
   */
  private static final class Entries {
    private final List<String> lines;
    private int line;
    private int end;

    Entries(List<String> lines) {
      this.lines = lines;
      this.line = lines.size() - 1;
      this.end = line >= 0 ? lines.get(line).length() : 0;
    }

    /** The next entry to the left, stripped, or null when none is left. */
    String previous() {
      while (line >= 0) {
        String text = lines.get(line);
        if (end < 0) {
          line--;
          end = line >= 0 ? lines.get(line).length() : 0;
          continue;
        }
        int comma = text.lastIndexOf(',', end - 1);
        String entry = text.substring(comma + 1, end).strip();
        end = comma;
        if (!entry.isEmpty()) {
          return entry;
        }
      }
      return null;
    }
  }

  /**
   * The address of one {@code X-Forwarded-For} entry: an IP, or, as nginx's realip module and
   * common proxies also write it, {@code IPv4:port} or {@code [IPv6]:port} (the port is dropped);
   * other text is returned as it is (then it is not an address).
   */
  static String xForwardedForAddress(String entry) {
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      if (close > 0 && (close == entry.length() - 1 || isPort(entry, close + 1))) {
        return entry.substring(1, close);
      }
      return entry;
    }
    int colon = entry.indexOf(':');
    if (colon > 0 && colon == entry.lastIndexOf(':') && isPort(entry, colon)) {
      return entry.substring(0, colon);
    }
    return entry;
  }

  /** True when {@code text} from {@code colon} on is {@code :} and a port, 0 to 65535. */
  private static boolean isPort(String text, int colon) {
    if (text.charAt(colon) != ':') {
      return false;
    }
    String p = text.substring(colon + 1);
    return p.length() >= 1
        && p.length() <= 5
        && p.chars().allMatch(c -> c >= '0' && c <= '9')
        && Integer.parseInt(p) <= 65535;
  }

  /**
   * The canonical address a forwarded-for entry names, or null when it names no client: not an IP
   * literal, an IP with a zone ({@code fe80::1%eth0}: a zone is local to the host that wrote it,
   * not an address the network shows), or not a host's address ({@code 0.0.0.0}, {@code ::}, {@code
   * 255.255.255.255}, multicast).
   */
  static String clientAddress(String text) {
    if (text == null || text.indexOf('%') >= 0) {
      return null;
    }
    String ip = SourceIp.parse(text).orElse(null);
    if (ip == null) {
      return null;
    }
    IPAddress a = new IPAddressString(ip).getAddress();
    if (a == null
        || a.isAnyLocal()
        || a.isMulticast()
        || (a.isIPv4() && a.toIPv4().intValue() == 0xffffffff)) {
      return null;
    }
    return ip;
  }

  /**
   * The {@code for=} value of one {@code Forwarded} element (RFC 7239), port and quotes removed;
   * null when the element has none, or names {@code for=} more than once (which one?); an IPv6
   * address not in quotes is returned as it is, so it is not taken (RFC 7239 section 6 requires
   * quotes and brackets). An unquoted {@code IPv4:port} is taken, as proxies write it.
   */
  private static String forwardedFor(String element) {
    String value = null;
    for (String pair : element.split(";")) {
      String p = pair.strip();
      if (p.regionMatches(true, 0, "for=", 0, 4)) {
        if (value != null) {
          return null;
        }
        value = p.substring(4).strip();
      }
    }
    if (value == null) {
      return null;
    }
    String v = value;
    boolean quoted = v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"");
    if (quoted) {
      v = v.substring(1, v.length() - 1);
    }
    if (v.startsWith("[")) {
      if (!quoted) {
        return null;
      }
      int close = v.indexOf(']');
      return close > 0 && (close == v.length() - 1 || isPort(v, close + 1))
          ? v.substring(1, close)
          : null;
    }
    int colon = v.indexOf(':');
    if (colon > 0 && colon == v.lastIndexOf(':') && isPort(v, colon)) {
      return v.substring(0, colon);
    }
    return colon >= 0 ? null : v;
  }
}
