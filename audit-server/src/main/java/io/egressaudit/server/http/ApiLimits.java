package io.egressaudit.server.http;

/**
 * Limits of the API listener. Opening a TCP connection needs no token, so without them anyone who
 * can reach the API could hold connections, and the descriptors they use, for ever.
 *
 * @param idleTimeoutSeconds a connection that reads and writes nothing for this long is closed; 0
 *     for none (the request timeout still closes a connection that is not sending a request)
 * @param requestTimeoutSeconds a connection must send a complete request head within this after it
 *     opened (or finished its TLS handshake) or after its previous answer, else it is closed: a
 *     client dribbling header bytes cannot hold it under the idle timeout; the TLS handshake itself
 *     must also finish within this
 * @param maxConnections open API connections at most; a connection beyond it is closed at once
 */
public record ApiLimits(int idleTimeoutSeconds, int requestTimeoutSeconds, int maxConnections) {

  /**
   * 30 s idle, 10 s to send a request, 256 connections: the API serves a few people and jobs, and a
   * browser opens six connections at most.
   */
  public static final ApiLimits DEFAULT = new ApiLimits(30, 10, 256);

  /** Checks the bounds. */
  public ApiLimits {
    if (idleTimeoutSeconds < 0 || requestTimeoutSeconds < 1 || maxConnections < 1) {
      throw new IllegalArgumentException("API limits must be positive");
    }
  }

  /** The same timeouts with another connection cap. */
  public ApiLimits withMaxConnections(int max) {
    return new ApiLimits(idleTimeoutSeconds, requestTimeoutSeconds, max);
  }
}
