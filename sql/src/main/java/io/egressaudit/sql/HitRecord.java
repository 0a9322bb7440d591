package io.egressaudit.sql;

/**
 * One request as the hit listener saw it, or one line of an imported access log. Text fields are
 * bounded by {@link #bounded} before storage, since clients choose them.
 *
 * @param receivedAtMillis when the request arrived, epoch milliseconds UTC
 * @param sourceIp the canonical source IP attribution uses: the TCP peer's, or, when the peer is a
 *     trusted proxy, the client its PROXY header or forwarded-for header names (an untrusted peer's
 *     claim is never used)
 * @param sourcePort the TCP peer's port (the client's, when a trusted proxy's PROXY header gave
 *     it), or null when unknown (imported logs)
 * @param localPort the listener port that received it, or null when unknown
 * @param method the HTTP method
 * @param path the request target (path and query)
 * @param host the Host header
 * @param userAgent the User-Agent header
 * @param probeId the probe id the hit listener read from the request target ({@code /probe/{id}}),
 *     or null
 * @param forwardedFor the X-Forwarded-For or Forwarded header as sent, after the source an
 *     untrusted peer's PROXY header named ({@code PROXY 10.0.0.1:4242 | ...}): an untrusted claim
 * @param httpVersion such as {@code HTTP/1.1}
 * @param origin null for the hit listener; the imported file's name otherwise
 * @param originLine the 1-based line within {@code origin}, or null
 * @param peerIp the TCP peer when it is a trusted proxy whose PROXY header or forwarded-for header
 *     gave {@code sourceIp}; null when {@code sourceIp} is the peer itself
 */
public record HitRecord(
    long receivedAtMillis,
    String sourceIp,
    Integer sourcePort,
    Integer localPort,
    String method,
    String path,
    String host,
    String userAgent,
    String probeId,
    String forwardedFor,
    String httpVersion,
    String origin,
    Integer originLine,
    String peerIp) {

  /** A hit whose source IP is the TCP peer itself (no trusted proxy in between). */
  public HitRecord(
      long receivedAtMillis,
      String sourceIp,
      Integer sourcePort,
      Integer localPort,
      String method,
      String path,
      String host,
      String userAgent,
      String probeId,
      String forwardedFor,
      String httpVersion,
      String origin,
      Integer originLine) {
    this(
        receivedAtMillis,
        sourceIp,
        sourcePort,
        localPort,
        method,
        path,
        host,
        userAgent,
        probeId,
        forwardedFor,
        httpVersion,
        origin,
        originLine,
        null);
  }

  /** Longest stored path, in characters. */
  public static final int MAX_PATH = 2048;

  /** Longest stored User-Agent, Host or forwarded-for header, in characters. */
  public static final int MAX_HEADER = 512;

  /** Longest stored probe id, in characters. */
  public static final int MAX_PROBE_ID = 128;

  /** Returns a copy whose text fields are cut to the stored limits. */
  public HitRecord bounded() {
    return new HitRecord(
        receivedAtMillis,
        sourceIp,
        sourcePort,
        localPort,
        cut(method, 32),
        cut(path, MAX_PATH),
        cut(host, MAX_HEADER),
        cut(userAgent, MAX_HEADER),
        cut(probeId, MAX_PROBE_ID),
        cut(forwardedFor, MAX_HEADER),
        cut(httpVersion, 16),
        origin,
        originLine,
        peerIp);
  }

  /**
   * Cuts text to at most {@code max} characters, without splitting a surrogate pair.
   *
   * @return the text, or null for null
   */
  public static String cut(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end);
  }
}
