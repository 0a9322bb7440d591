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
 */
public record ListenerSettings(
    int maxInitialLineBytes,
    int maxHeaderBytes,
    long maxBodyBytes,
    int idleTimeoutSeconds,
    int eventLoops) {

  /** 8 KiB request line, 16 KiB headers, 64 KiB body, 30 s idle, one loop per core. */
  public static final ListenerSettings DEFAULT =
      new ListenerSettings(8192, 16384, 65536, 30, Runtime.getRuntime().availableProcessors());
}
