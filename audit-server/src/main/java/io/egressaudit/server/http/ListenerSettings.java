package io.egressaudit.server.http;

/**
 * Limits of the hit listener, which is open to the whole cluster.
 *
 * @param maxInitialLineBytes longest request line (method, URI, version), bytes; longer gets 414
 * @param maxHeaderBytes largest header block, bytes; larger gets 431
 * @param maxBodyBytes largest request body read (and discarded), bytes; a larger body, declared or
 *     streamed, gets 413, the connection closed and no row
 * @param idleTimeoutSeconds idle connections are closed after this many seconds
 * @param eventLoops listener instances, one per event loop
 * @param requestTimeoutSeconds a connection that takes longer than this to send a complete request
 *     (from its opening, or from the previous answer) is closed: slow-header clients (slowloris)
 *     cannot hold connections by dribbling bytes under the idle timeout
 * @param maxConnections open connections per listen address at most; beyond it new connections are
 *     closed at once, so memory stays bounded whatever the clients do
 * @param transport the network transport of the listener
 */
public record ListenerSettings(
    int maxInitialLineBytes,
    int maxHeaderBytes,
    long maxBodyBytes,
    int idleTimeoutSeconds,
    int eventLoops,
    int requestTimeoutSeconds,
    int maxConnections,
    ListenerTransport transport) {

  /**
   * 8 KiB request line, 16 KiB headers, 64 KiB body, 30 s idle, one loop per core, 10 s to send a
   * request, 10000 connections, the best transport available.
   */
  public static final ListenerSettings DEFAULT =
      new ListenerSettings(
          8192,
          16384,
          65536,
          30,
          Runtime.getRuntime().availableProcessors(),
          10,
          10_000,
          ListenerTransport.AUTO);

  /** The given limits with the best transport available. */
  public ListenerSettings(
      int maxInitialLineBytes,
      int maxHeaderBytes,
      long maxBodyBytes,
      int idleTimeoutSeconds,
      int eventLoops,
      int requestTimeoutSeconds,
      int maxConnections) {
    this(
        maxInitialLineBytes,
        maxHeaderBytes,
        maxBodyBytes,
        idleTimeoutSeconds,
        eventLoops,
        requestTimeoutSeconds,
        maxConnections,
        ListenerTransport.AUTO);
  }

  /** The given limits with the default request timeout and connection cap. */
  public ListenerSettings(
      int maxInitialLineBytes,
      int maxHeaderBytes,
      long maxBodyBytes,
      int idleTimeoutSeconds,
      int eventLoops) {
    this(
        maxInitialLineBytes,
        maxHeaderBytes,
        maxBodyBytes,
        idleTimeoutSeconds,
        eventLoops,
        10,
        10_000);
  }

  /** The same limits with another connection cap. */
  public ListenerSettings withMaxConnections(int max) {
    return new ListenerSettings(
        maxInitialLineBytes,
        maxHeaderBytes,
        maxBodyBytes,
        idleTimeoutSeconds,
        eventLoops,
        requestTimeoutSeconds,
        max,
        transport);
  }

  /** Checks the bounds. */
  public ListenerSettings {
    if (requestTimeoutSeconds < 1
        || maxConnections < 1
        || idleTimeoutSeconds < 0
        || maxBodyBytes < 0) {
      throw new IllegalArgumentException("listener limits must be positive");
    }
    if (transport == null) {
      throw new IllegalArgumentException("transport must be given");
    }
  }
}
