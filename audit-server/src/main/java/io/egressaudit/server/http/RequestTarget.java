package io.egressaudit.server.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The request target of an HTTP request line, read once for everything that needs it: the hit
 * listener's {@code /clientip} and {@code /probe/{id}}, and imported access logs. Origin form
 * ({@code /probe/abc?x=1}) and absolute form ({@code http://bastion:8080/probe/abc}, what {@code
 * curl -x} sends through a proxy) name the same path.
 */
public final class RequestTarget {

  private static final String PROBE = "/probe/";

  private RequestTarget() {}

  /**
   * The path of a request target, without scheme, authority, query or fragment.
   *
   * @param target origin form ({@code /a?b}) or absolute form ({@code http://host/a?b}); may be
   *     null
   * @return the path; {@code /} for an absolute form without one; the target itself when it is
   *     neither form ({@code *}, garbage); null for null
   */
  public static String path(String target) {
    if (target == null) {
      return null;
    }
    int start = 0;
    if (!target.startsWith("/")) {
      int scheme = target.indexOf("://");
      if (scheme < 0) {
        return target;
      }
      start = target.indexOf('/', scheme + 3);
      if (start < 0) {
        return "/";
      }
    }
    int end = target.length();
    for (int i = start; i < end; i++) {
      char c = target.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    return start == 0 && end == target.length() ? target : target.substring(start, end);
  }

  /**
   * The probe id of a request target whose path is {@code /probe/{id}[/...]}: the path segment
   * after {@code /probe/}, percent-decoded (RFC 3986) as the API decodes the {@code {id}} of {@code
   * GET /api/v1/probes/{id}}, so {@code /probe/a%20b} is found as {@code /api/v1/probes/a%20b}. An
   * encoded slash ({@code %2F}) is part of the id; a {@code %} not followed by two hex digits is
   * kept as it is; decoded bytes that are not UTF-8, and control characters, are written as {@code
   * \xNN} as {@link RequestText} writes them.
   *
   * @param target the request target, in either form; may be null
   * @return the id, or null when the path is not a probe path or the id is empty
   */
  public static String probeId(String target) {
    String path = path(target);
    if (path == null || !path.startsWith(PROBE)) {
      return null;
    }
    int end = path.indexOf('/', PROBE.length());
    String id = path.substring(PROBE.length(), end < 0 ? path.length() : end);
    return id.isEmpty() ? null : percentDecoded(id);
  }

  /** A path segment with its {@code %XX} escapes decoded; the segment itself when it has none. */
  private static String percentDecoded(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    byte[] raw = segment.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
    for (int i = 0; i < raw.length; i++) {
      int hi;
      int lo;
      if (raw[i] == '%'
          && i + 2 < raw.length
          && (hi = Character.digit(raw[i + 1], 16)) >= 0
          && (lo = Character.digit(raw[i + 2], 16)) >= 0) {
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(raw[i]);
      }
    }
    return RequestText.utf8(out.toByteArray());
  }
}
