package io.egressaudit.controller.informer;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A dispatcher in front of the fabric8 CRUD mock that plays an API server whose watch cache has
 * moved on: the first watch of one resource is answered, then kept silent (changes made meanwhile
 * reach the CRUD store but not that watch) until {@link #expire()} ends it with the {@code ERROR}
 * event a real API server sends once the watch's resource version is compacted away: a {@code
 * Status} with code 410 (Gone), reason {@code Expired}. Every other request, and every later watch
 * of that resource, goes to the CRUD mock.
 */
final class ExpiringWatch extends Dispatcher {

  private final Dispatcher crud;
  private final String resourcePath;
  private final CompletableFuture<WebSocket> held = new CompletableFuture<>();
  private boolean taken;

  /**
   * @param crud the CRUD dispatcher that serves everything else
   * @param resourcePath the resource whose first watch is held, such as {@code /api/v1/pods}
   */
  ExpiringWatch(Dispatcher crud, String resourcePath) {
    this.crud = crud;
    this.resourcePath = resourcePath;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String path = request.getPath();
    boolean watch = path.startsWith(resourcePath + "?") && path.contains("watch=true");
    synchronized (this) {
      if (watch && !taken) {
        taken = true;
        return new MockResponse()
            .withWebSocketUpgrade(
                new WebSocketListener() {
                  @Override
                  public void onOpen(WebSocket webSocket, Response response) {
                    held.complete(webSocket);
                  }
                });
      }
    }
    return crud.dispatch(request);
  }

  /** Waits until the held watch is open (the informer has listed and started watching). */
  void awaitWatching(Duration timeout) throws Exception {
    held.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Ends the held watch as an API server does when its resource version is too old. */
  void expire() throws Exception {
    WebSocket ws = held.get(30, TimeUnit.SECONDS);
    WatchEvent gone =
        new WatchEvent(
            new StatusBuilder()
                .withStatus("Failure")
                .withCode(410)
                .withReason("Expired")
                .withMessage("too old resource version: 5 (42)")
                .build(),
            "ERROR");
    ws.send(new KubernetesSerialization().asJson(gone));
  }

  @Override
  public void shutdown() {
    crud.shutdown();
  }

  @Override
  public void releaseResources() {
    crud.releaseResources();
  }
}
