package io.egressaudit.server;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import io.egressaudit.correlator.SourceIp;
import java.util.ArrayList;
import java.util.List;

/**
 * A network of source IPs in CIDR notation ({@code 10.0.0.0/24}, {@code 2001:db8::/64}): what a
 * firewall rule names, and what {@code hits --ip} and {@code GET /api/v1/hits?ip=} accept beside
 * one IP.
 *
 * <p>Hits store their source IP as canonical text ({@link SourceIp}), indexed as text, so a range
 * of addresses is not a range of text ({@code 10.0.0.10 < 10.0.0.9}). What is a range of text is
 * every address starting with the same fixed octets or groups: {@link #textPrefixes()} gives the
 * text prefixes that together hold every address of the network (and maybe some others, which
 * {@link #contains} then leaves out), so the source IPs of a network are found by seeks in the
 * source IP index, never by reading every hit.
 */
public final class SourceIpPrefix {

  /** Prefixes only on address literals: no masks, wildcards, ranges or inet_aton forms. */
  private static final IPAddressStringParameters CIDR = cidrOnly();

  private static IPAddressStringParameters cidrOnly() {
    IPAddressStringParameters.Builder b =
        new IPAddressStringParameters.Builder()
            .allowEmpty(false)
            .allowAll(false)
            .allowMask(false)
            .allowPrefix(true)
            .allowSingleSegment(false)
            .allow_inet_aton(false)
            .allowWildcardedSeparator(false)
            .setEmptyAsLoopback(false)
            .setRangeOptions(IPAddressStringParameters.RangeParameters.NO_RANGE);
    b.getIPv4AddressParametersBuilder().allowLeadingZeros(false).allowBinary(false);
    b.getIPv6AddressParametersBuilder()
        .allowBase85(false)
        .allowBinary(false)
        .allowZone(false)
        .allowUnlimitedLeadingZeros(false);
    return b.toParams();
  }

  private final IPAddress network;

  private SourceIpPrefix(IPAddress network) {
    this.network = network;
  }

  /**
   * Tells whether a value of {@code --ip} or {@code ip=} means a network rather than one IP.
   *
   * @param text the value, may be null
   * @return true when it has a {@code /}
   */
  public static boolean isCidr(String text) {
    return text != null && text.indexOf('/') >= 0;
  }

  /**
   * Parses a CIDR. An IPv4-mapped network ({@code ::ffff:10.0.0.0/120}) is the IPv4 network it maps
   * ({@code 10.0.0.0/24}), as an IPv4-mapped address is the IPv4 address.
   *
   * @param text such as {@code 10.0.0.0/24} or {@code 2001:db8::/64}
   * @return the network
   * @throws IllegalArgumentException saying what is wrong with the text (without naming an option:
   *     callers add {@code --ip} or {@code ip}): not a CIDR, a prefix length out of range, or
   *     address bits set past the prefix ({@code 10.0.0.5/24}, with the network meant)
   */
  public static SourceIpPrefix parse(String text) {
    return parse(text, false);
  }

  /**
   * Parses a CIDR as {@link #parse} does, but clears the address bits past the prefix length
   * instead of refusing them ({@code 10.0.0.1/24} is {@code 10.0.0.0/24}): the network a user meant
   * when a command that takes one IP was given a network, to name in the hint of what answers about
   * networks.
   *
   * @param text such as {@code 10.0.0.1/24} or {@code 2001:db8::1/64}
   * @return the network
   * @throws IllegalArgumentException as {@link #parse} when the text is not a CIDR or its prefix
   *     length is out of range
   */
  public static SourceIpPrefix enclosing(String text) {
    return parse(text, true);
  }

  /**
   * Why a command or endpoint that answers for one IP ({@code whois}, {@code timeline}) refuses a
   * network, and what answers about one: {@code 10.0.0.1/24 is the network 10.0.0.0/24, not one IP:
   * list the hits of its source IPs with ..., or the owners of one IP over time with ...}. The
   * network is named as {@code hits} takes it, bits past the prefix cleared.
   *
   * @param typed the CIDR as the user wrote it
   * @param hitsOfNetwork what lists a network's hits, with {@code %s} for the network
   * @param ownersOfOneIp what lists one IP's owners over time
   * @throws IllegalArgumentException when {@code typed} is not a CIDR ({@link #enclosing})
   */
  public static String notOneIp(String typed, String hitsOfNetwork, String ownersOfOneIp) {
    String network = enclosing(typed).canonical();
    return (network.equals(typed) ? typed + " is a network" : typed + " is the network " + network)
        + ", not one IP: list the hits of its source IPs with "
        + hitsOfNetwork.formatted(network)
        + ", or the owners of one IP over time with "
        + ownersOfOneIp;
  }

  private static SourceIpPrefix parse(String text, boolean clearHostBits) {
    String t = text == null ? "" : text.strip();
    IPAddress a;
    try {
      a = t.length() > 64 ? null : new IPAddressString(t, CIDR).toAddress();
    } catch (AddressStringException | RuntimeException e) {
      a = null;
    }
    if (a == null || !a.isPrefixed()) {
      throw new IllegalArgumentException(
          "'" + abbreviate(text) + "' is not a CIDR like 10.0.0.0/24 or 2001:db8::/64");
    }
    if (!a.isPrefixBlock() && clearHostBits) {
      a = a.toPrefixBlock();
    }
    if (!a.isPrefixBlock()) {
      throw new IllegalArgumentException(
          "'"
              + abbreviate(text)
              + "' has bits set past its prefix length: the network is "
              + canonical(a.toPrefixBlock()));
    }
    if (a.isIPv6() && a.getNetworkPrefixLength() >= 96 && a.toIPv6().getLower().isIPv4Mapped()) {
      IPv4Address v4 = a.toIPv6().getLower().getEmbeddedIPv4Address();
      a = v4.toPrefixBlock(a.getNetworkPrefixLength() - 96);
    }
    return new SourceIpPrefix(a);
  }

  /** The canonical text: {@code 10.0.0.0/24}, {@code 2001:db8::/64} (RFC 5952, lowercase). */
  public String canonical() {
    return canonical(network);
  }

  private static String canonical(IPAddress a) {
    return a.isIPv6() ? a.toCanonicalString() : a.toString();
  }

  /** The prefix length in bits. */
  public int length() {
    return network.getNetworkPrefixLength();
  }

  /**
   * Tells whether the network holds an address.
   *
   * @param canonicalIp canonical source IP text, as hits store it
   * @return false as well when the text is not an IP address
   */
  public boolean contains(String canonicalIp) {
    IPAddress a = new IPAddressString(canonicalIp).getAddress();
    return a != null && a.getIPVersion() == network.getIPVersion() && network.contains(a);
  }

  /**
   * Text prefixes that the canonical text of every address of the network starts with (one of
   * them): the fixed leading octets of IPv4 with their dot ({@code 10.0.0.} for {@code /24}, {@code
   * /25}, ... {@code /31}; 16 prefixes {@code 10.0.N.} for {@code /20}), the fixed leading non-zero
   * groups of IPv6 with their colon ({@code 2001:db8:} for {@code 2001:db8::/64}); an empty prefix
   * when nothing is fixed (then the whole index holds candidates). At most 256 prefixes.
   */
  public List<String> textPrefixes() {
    int p = length();
    List<String> out = new ArrayList<>();
    if (network.isIPv4()) {
      int[] octets = new int[4];
      for (int i = 0; i < 4; i++) {
        octets[i] = network.getSegment(i).getSegmentValue();
      }
      if (p == 32) {
        out.add(canonical(network.getLower().withoutPrefixLength()));
        return out;
      }
      int fixed = p / 8;
      int partialBits = p % 8;
      if (partialBits == 0 || fixed == 3) {
        out.add(dotted(octets, fixed));
        return out;
      }
      int span = 1 << (8 - partialBits);
      for (int v = octets[fixed]; v < octets[fixed] + span; v++) {
        int[] o = octets.clone();
        o[fixed] = v;
        out.add(dotted(o, fixed + 1));
      }
      return out;
    }
    IPv6Address v6 = network.toIPv6();
    if (p == 128) {
      out.add(canonical(v6.getLower().withoutPrefixLength()));
      return out;
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < p / 16; i++) {
      int g = v6.getSegment(i).getSegmentValue();
      if (g == 0) {
        break; // a zero group may be written as part of "::": nothing after it is fixed text
      }
      s.append(Integer.toHexString(g)).append(':');
    }
    out.add(s.toString());
    return out;
  }

  /** The first {@code n} octets, each followed by a dot. */
  private static String dotted(int[] octets, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(octets[i]).append('.');
    }
    return s.toString();
  }

  private static String abbreviate(String text) {
    if (text == null) {
      return "";
    }
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }

  @Override
  public String toString() {
    return canonical();
  }
}
