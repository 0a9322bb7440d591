package io.egressaudit.server.http;

import java.util.Locale;

/**
 * The header a trusted proxy writes the client's address into ({@code serve --forwarded-header},
 * like nginx's {@code real_ip_header}). Only this header names the source IP of a request from a
 * trusted proxy; the other is kept as a claim, since the client may have sent it.
 */
public enum ForwardedHeader {
  /**
   * {@code X-Forwarded-For: client, proxy1, ...}: what nginx ({@code $proxy_add_x_forwarded_for}),
   * HAProxy ({@code option forwardfor}), the OpenShift router and cloud load balancers write.
   */
  X_FORWARDED_FOR("X-Forwarded-For"),
  /** {@code Forwarded: for=client, for=proxy1} (RFC 7239), as Envoy or HAProxy can write it. */
  FORWARDED("Forwarded");

  private final String headerName;

  ForwardedHeader(String headerName) {
    this.headerName = headerName;
  }

  /** The header's name as written in requests, such as {@code X-Forwarded-For}. */
  public String headerName() {
    return headerName;
  }

  /**
   * The value {@code --forwarded-header} takes for it: {@code x-forwarded-for} or {@code
   * forwarded}.
   */
  public String optionValue() {
    return headerName.toLowerCase(Locale.ROOT);
  }

  /**
   * Reads a {@code --forwarded-header} value, case-insensitively.
   *
   * @throws IllegalArgumentException naming the option and the accepted values
   */
  public static ForwardedHeader parse(String value) {
    for (ForwardedHeader h : values()) {
      if (h.headerName.equalsIgnoreCase(value.strip())) {
        return h;
      }
    }
    throw new IllegalArgumentException(
        "--forwarded-header: '" + value + "' is not x-forwarded-for or forwarded");
  }
}
