package io.egressaudit.correlator.probe;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.egressaudit.correlator.SourceIp;
import java.util.Objects;

/**
 * One entry of a policy's allowed source IPs: a single address ({@code 192.168.126.100}) or a CIDR
 * block ({@code 192.168.126.0/24}, {@code 2001:db8::/64}).
 */
public final class AllowedSource {

  private final String text;
  private final IPAddress block;

  private AllowedSource(String text, IPAddress block) {
    this.text = text;
    this.block = block;
  }

  /**
   * Reads an address or a CIDR block.
   *
   * @param text {@code a.b.c.d}, an IPv6 literal, or either followed by {@code /prefix}; a block
   *     with host bits set ({@code 10.0.0.1/8}) is refused, since it usually is a typo
   * @return the entry, printed in canonical form ({@code 2001:db8::/64})
   * @throws IllegalArgumentException naming the text when it is neither
   */
  public static AllowedSource parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty source IP or CIDR");
    }
    String t = text.strip();
    int slash = t.indexOf('/');
    if (slash < 0) {
      return new AllowedSource(SourceIp.canonical(t), null);
    }
    String address = SourceIp.parse(t.substring(0, slash)).orElse(null);
    String prefix = t.substring(slash + 1);
    if (address == null || prefix.isEmpty() || !prefix.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("not an IP address or CIDR block: '" + t + "'");
    }
    IPAddress host = new IPAddressString(address).getAddress();
    int bits;
    try {
      bits = Integer.parseInt(prefix);
    } catch (NumberFormatException e) {
      bits = -1;
    }
    if (host == null || bits < 0 || bits > host.getBitCount()) {
      throw new IllegalArgumentException("not an IP address or CIDR block: '" + t + "'");
    }
    IPAddress network = host.toPrefixBlock(bits);
    if (!network.getLower().withoutPrefixLength().equals(host)) {
      throw new IllegalArgumentException(
          "'"
              + t
              + "' has host bits set: the block is "
              + canonicalBlock(network)
              + " (write that, or the single address without /"
              + prefix
              + ")");
    }
    return new AllowedSource(canonicalBlock(network), network);
  }

  private static String canonicalBlock(IPAddress network) {
    IPAddress lower = network.getLower().withoutPrefixLength();
    String base = lower.isIPv6() ? lower.toCanonicalString() : lower.toString();
    return base + "/" + network.getNetworkPrefixLength();
  }

  /** True for a CIDR block, false for a single address. */
  public boolean isBlock() {
    return block != null;
  }

  /**
   * Tells whether a source IP is this address or inside this block.
   *
   * @param canonicalIp canonical text as {@link SourceIp#canonical(String)} returns it
   * @return true when allowed by this entry
   */
  public boolean contains(String canonicalIp) {
    if (block == null) {
      return text.equals(canonicalIp);
    }
    IPAddress ip = new IPAddressString(canonicalIp).getAddress();
    return ip != null && ip.getIPVersion() == block.getIPVersion() && block.contains(ip);
  }

  /** The canonical text: the address, or {@code network/prefix}. */
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AllowedSource a && a.text.equals(text);
  }

  @Override
  public int hashCode() {
    return Objects.hash(text);
  }
}
