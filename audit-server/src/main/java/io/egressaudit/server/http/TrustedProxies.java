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
 * <p>From a trusted peer, the client is the right-most address of {@code X-Forwarded-For} (or the
 * {@code for=} parameters of {@code Forwarded}, RFC 7239) that is not itself a trusted proxy: the
 * entries to its left were written by the client or by proxies nobody vouches for.
 */
public final class TrustedProxies {

  /** No trusted proxy: every forwarded-for header is a claim. */
  public static final TrustedProxies NONE = new TrustedProxies(List.of());

  private final List<IPAddress> networks;

  private TrustedProxies(List<IPAddress> networks) {
    this.networks = networks;
  }

  /**
   * Parses CIDRs such as {@code 10.0.0.0/8}, {@code 192.0.2.10} or {@code 2001:db8::/32}.
   *
   * @throws IllegalArgumentException naming {@code --trusted-proxy} and the text when one is not a
   *     CIDR or address
   */
  public static TrustedProxies of(List<String> cidrs) {
    List<IPAddress> networks = new ArrayList<>();
    for (String c : cidrs) {
      IPAddress a = new IPAddressString(c.strip()).getAddress();
      if (a == null) {
        throw new IllegalArgumentException(
            "--trusted-proxy: '" + c + "' is not a CIDR like 10.0.0.0/8 or an IP address");
      }
      networks.add(a.toPrefixBlock());
    }
    return new TrustedProxies(List.copyOf(networks));
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
   * @param peer the canonical TCP peer
   * @param xForwardedFor the {@code X-Forwarded-For} header, or null
   * @param forwarded the {@code Forwarded} header, or null
   * @return the canonical client IP, or null when the peer is not trusted, sent no usable header,
   *     the right-most untrusted entry is not an IP address, or there is none within {@link
   *     #MAX_HOPS} entries from the right (then the peer stays the source)
   */
  public String clientOf(String peer, String xForwardedFor, String forwarded) {
    if (!trusts(peer)) {
      return null;
    }
    List<String> chain =
        xForwardedFor != null
            ? splitXff(xForwardedFor)
            : forwarded != null ? forwardedFor(forwarded) : List.of();
    for (int i = chain.size() - 1; i >= 0 && chain.size() - i <= MAX_HOPS; i--) {
      String ip = SourceIp.parse(chain.get(i)).orElse(null);
      if (ip == null) {
        return null;
      }
      if (!trusts(ip)) {
        return ip;
      }
    }
    return null;
  }

  private static List<String> splitXff(String header) {
    List<String> out = new ArrayList<>();
    for (String part : header.split(",")) {
      if (!part.isBlank()) {
        out.add(part.strip());
      }
    }
    return out;
  }

  /** The {@code for=} values of a {@code Forwarded} header, port and quotes removed. */
  private static List<String> forwardedFor(String header) {
    List<String> out = new ArrayList<>();
    for (String element : header.split(",")) {
      for (String pair : element.split(";")) {
        String p = pair.strip();
        if (p.regionMatches(true, 0, "for=", 0, 4)) {
          String v = p.substring(4).strip();
          if (v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2) {
            v = v.substring(1, v.length() - 1);
          }
          if (v.startsWith("[")) {
            int close = v.indexOf(']');
            v = close > 0 ? v.substring(1, close) : v;
          } else if (v.indexOf(':') > 0 && v.indexOf(':') == v.lastIndexOf(':')) {
            v = v.substring(0, v.indexOf(':'));
          }
          out.add(v);
        }
      }
    }
    return out;
  }
}
