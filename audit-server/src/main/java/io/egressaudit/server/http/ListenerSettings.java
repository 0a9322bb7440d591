package io.egressaudit.server.http;

/**
 * Limits of the hit listener, which is open to the whole cluster. Built with {@link #builder()},
 * starting from the defaults of {@code serve}.
 *
 * @param maxInitialLineBytes longest request line (method, URI, version), bytes; longer gets 414
 * @param maxHeaderBytes largest header block, bytes; larger gets 431
 * @param maxBodyBytes largest request body read (and discarded), bytes; a larger body, declared or
 *     streamed, gets 413, the connection closed and no row
 * @param idleTimeoutSeconds a connection with nothing read or written for this many seconds is
 *     closed (one waiting for an answer it does not read, say); 0: never
 * @param eventLoops listener verticle instances, one per event loop
 * @param requestTimeoutSeconds a connection that takes longer than this to send a complete request
 *     (from its opening, or from the previous answer) is closed: slow-header clients (slowloris)
 *     cannot hold connections by dribbling bytes under the idle timeout
 * @param maxConnections open connections per listen address at most; beyond it new connections are
 *     closed at once, so memory stays bounded whatever the clients do
 * @param transport the network transport of the Vert.x instance the listener runs on
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
  public static final ListenerSettings DEFAULT = builder().build();

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
        || eventLoops < 1
        || idleTimeoutSeconds < 0
        || maxBodyBytes < 0
        || maxInitialLineBytes < 1
        || maxHeaderBytes < 1) {
      throw new IllegalArgumentException("listener limits must be positive");
    }
    if (transport == null) {
      throw new IllegalArgumentException("transport must be given");
    }
  }

  /** A builder holding the defaults of {@code serve}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings. */
  public Builder toBuilder() {
    return new Builder()
        .maxInitialLineBytes(maxInitialLineBytes)
        .maxHeaderBytes(maxHeaderBytes)
        .maxBodyBytes(maxBodyBytes)
        .idleTimeoutSeconds(idleTimeoutSeconds)
        .eventLoops(eventLoops)
        .requestTimeoutSeconds(requestTimeoutSeconds)
        .maxConnections(maxConnections)
        .transport(transport);
  }

  /** Builds {@link ListenerSettings}; each setter names the component it sets. */
  public static final class Builder {
    private int maxInitialLineBytes = 8192;
    private int maxHeaderBytes = 16384;
    private long maxBodyBytes = 65536;
    private int idleTimeoutSeconds = 30;
    private int eventLoops = Runtime.getRuntime().availableProcessors();
    private int requestTimeoutSeconds = 10;
    private int maxConnections = 10_000;
    private ListenerTransport transport = ListenerTransport.AUTO;

    private Builder() {}

    /** See {@link ListenerSettings#maxInitialLineBytes()}. */
    public Builder maxInitialLineBytes(int v) {
      maxInitialLineBytes = v;
      return this;
    }

    /** See {@link ListenerSettings#maxHeaderBytes()}. */
    public Builder maxHeaderBytes(int v) {
      maxHeaderBytes = v;
      return this;
    }

    /** See {@link ListenerSettings#maxBodyBytes()}. */
    public Builder maxBodyBytes(long v) {
      maxBodyBytes = v;
      return this;
    }

    /** See {@link ListenerSettings#idleTimeoutSeconds()}. */
    public Builder idleTimeoutSeconds(int v) {
      idleTimeoutSeconds = v;
      return this;
    }

    /** See {@link ListenerSettings#eventLoops()}. */
    public Builder eventLoops(int v) {
      eventLoops = v;
      return this;
    }

    /** See {@link ListenerSettings#requestTimeoutSeconds()}. */
    public Builder requestTimeoutSeconds(int v) {
      requestTimeoutSeconds = v;
      return this;
    }

    /** See {@link ListenerSettings#maxConnections()}. */
    public Builder maxConnections(int v) {
      maxConnections = v;
      return this;
    }

    /** See {@link ListenerSettings#transport()}. */
    public Builder transport(ListenerTransport v) {
      transport = v;
      return this;
    }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException when a limit is not positive
     */
    public ListenerSettings build() {
      return new ListenerSettings(
          maxInitialLineBytes,
          maxHeaderBytes,
          maxBodyBytes,
          idleTimeoutSeconds,
          eventLoops,
          requestTimeoutSeconds,
          maxConnections,
          transport);
    }
  }
}
