package io.egressaudit.correlator;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.AddressStringParameters.RangeParameters;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import java.util.Optional;

/**
 * Canonical text of an IP address, as every module of egress-audit stores and compares it.
 *
 * <p>IPv4 is the dotted quad ({@code 192.168.126.100}); IPv6 is compressed lowercase as RFC 5952
 * asks ({@code 2001:db8::1}); an IPv4-mapped IPv6 address ({@code ::ffff:192.168.126.100}) is the
 * IPv4 address it maps. Parsing never resolves host names: only address literals are accepted.
 */
public final class SourceIp {

  /**
   * Longest text accepted, brackets and zone included: a full IPv6 literal with an embedded IPv4
   * address is 45 characters, brackets 2, and a zone ({@code %} plus an interface name) at most 17.
   */
  static final int MAX_LENGTH = 64;

  private static final IPAddressStringParameters LITERALS_ONLY = literalsOnly();

  /**
   * One address literal and nothing else: no host names, prefixes, masks, wildcards or ranges
   * ({@code 10.0.0.0/8}, {@code 1.2.3.*}, {@code 1.2.3.0-255} are subnets, not a source IP), no
   * inet_aton forms ({@code 1.2.3}, {@code 0x01020304}), no binary or base 85 forms, and no leading
   * zeros in IPv4 segments ({@code 010.1.2.3} is 8.1.2.3 for inet_aton, 10.1.2.3 for others).
   */
  private static IPAddressStringParameters literalsOnly() {
    IPAddressStringParameters.Builder b =
        new IPAddressStringParameters.Builder()
            .allowEmpty(false)
            .allowAll(false)
            .allowMask(false)
            .allowPrefix(false)
            .allowSingleSegment(false)
            .allow_inet_aton(false)
            .allowWildcardedSeparator(false)
            .setEmptyAsLoopback(false)
            .setRangeOptions(RangeParameters.NO_RANGE);
    b.getIPv4AddressParametersBuilder().allowLeadingZeros(false).allowBinary(false);
    b.getIPv6AddressParametersBuilder()
        .allowBase85(false)
        .allowBinary(false)
        .allowZone(false)
        .allowUnlimitedLeadingZeros(false)
        .getEmbeddedIPv4AddressParametersBuilder()
        .allowLeadingZeros(false)
        .allowBinary(false);
    return b.toParams();
  }

  private SourceIp() {}

  /**
   * Parses an address literal and returns its canonical text.
   *
   * @param text an IPv4 or IPv6 literal, optionally in brackets ({@code [2001:db8::1]}) and with an
   *     IPv6 zone ({@code fe80::1%eth0}, the zone is dropped)
   * @return the canonical text
   * @throws IllegalArgumentException naming the text when it is not an IP address literal
   */
  public static String canonical(String text) {
    return parse(text)
        .orElseThrow(
            () -> new IllegalArgumentException("not an IP address: '" + abbreviate(text) + "'"));
  }

  /**
   * Like {@link #canonical(String)} but empty instead of throwing.
   *
   * @param text any text, may be null
   * @return the canonical text, or empty when {@code text} is not an IP address literal
   */
  public static Optional<String> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.strip();
    if (t.isEmpty() || t.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    if (t.length() > 2 && t.charAt(0) == '[' && t.charAt(t.length() - 1) == ']') {
      t = t.substring(1, t.length() - 1);
    }
    int zone = t.indexOf('%');
    if (zone >= 0) {
      if (zone == t.length() - 1 || t.lastIndexOf(':', zone) < 0) {
        return Optional.empty(); // an empty zone, or a zone on an IPv4 address
      }
      t = t.substring(0, zone);
    }
    if (t.isEmpty()) {
      return Optional.empty();
    }
    try {
      IPAddress address = new IPAddressString(t, LITERALS_ONLY).toAddress();
      if (address == null || address.isMultiple() || address.isPrefixed()) {
        return Optional.empty();
      }
      if (address.isIPv6() && address.toIPv6().isIPv4Mapped()) {
        address = address.toIPv6().getEmbeddedIPv4Address();
      }
      return Optional.of(address.isIPv6() ? address.toCanonicalString() : address.toString());
    } catch (AddressStringException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Tells whether the canonical text is an IPv6 address.
   *
   * @param canonical text returned by {@link #canonical(String)}
   * @return true for IPv6
   */
  public static boolean isIpv6(String canonical) {
    return canonical.indexOf(':') >= 0;
  }

  static String abbreviate(String text) {
    if (text == null) {
      return "null";
    }
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}
