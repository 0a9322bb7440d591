package io.egressaudit.server.http;

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
   * after {@code /probe/}.
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
    return id.isEmpty() ? null : id;
  }
}
