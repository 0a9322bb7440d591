package io.egressaudit.testsupport;

import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * A dispatcher in front of the fabric8 mock's own whose WebSockets (the CRUD mock's watches) send
 * without waiting for the mock's event loop: each send is queued, in order, to a thread of the
 * WebSocket's own, and returns at once.
 *
 * <p>Why: fabric8 8.0.0's CRUD watch ({@code WatchEventsListener}) sends its events from a thread
 * of its own, each send waiting (up to 30 s) for the write on the mock's one event loop; and when
 * its client closes it or the connection is cut, it waits on that same loop ({@code onClosed},
 * {@code onFailure}) for those sends to finish. A watch closed while an event was on its way thus
 * held every other answer of the mock for 30 s, and its shutdown failed ("Unable to close
 * MockWebServer"). With sends that never wait, the watch's close is over at once and stays on the
 * loop, as fabric8 means it to: a change made meanwhile never reaches a watch half closed.
 */
public final class WatchSendsOffLoop extends Dispatcher {

  private final Dispatcher dispatcher;

  /** Answers with {@code dispatcher}, its WebSockets' sends taken off the event loop. */
  public WatchSendsOffLoop(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  /**
   * A started mock API server as {@code @EnableKubernetesMockClient(crud = true, https = false)}
   * makes it (CRUD, and {@code expect()} answers first), with its watches' sends off the loop.
   */
  public static KubernetesMockServer crudServer() {
    Map<ServerRequest, Queue<ServerResponse>> expected = new HashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            expected,
            new WatchSendsOffLoop(new KubernetesMixedDispatcher(expected)),
            false);
    server.init();
    return server;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    MockResponse response = dispatcher.dispatch(request);
    WebSocketListener listener = response.getWebSocketListener();
    return listener == null ? response : response.withWebSocketUpgrade(new Queued(listener));
  }

  @Override
  public void shutdown() {
    dispatcher.shutdown();
  }

  @Override
  public void releaseResources() {
    dispatcher.releaseResources();
  }

  /** Hands the listener a WebSocket whose sends and close are queued to a thread of its own. */
  private static final class Queued extends WebSocketListener {
    private final WebSocketListener listener;
    private final ExecutorService sender =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "mock-watch-sends");
              t.setDaemon(true);
              return t;
            });

    Queued(WebSocketListener listener) {
      this.listener = listener;
    }

    @Override
    public void onBeforeAccept(WebSocket ws, Response response) {
      listener.onBeforeAccept(ws, response);
    }

    @Override
    public void onOpen(WebSocket ws, Response response) {
      listener.onOpen(queued(ws), response);
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
      listener.onMessage(ws, text);
    }

    @Override
    public void onMessage(WebSocket ws, byte[] bytes) {
      listener.onMessage(ws, bytes);
    }

    @Override
    public void onMessage(WebSocket ws, ByteString bytes) {
      listener.onMessage(ws, bytes);
    }

    @Override
    public void onPing(WebSocket ws, byte[] payload) {
      listener.onPing(ws, payload);
    }

    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
      listener.onClosing(ws, code, reason);
    }

    @Override
    public void onClosed(WebSocket ws, int code, String reason) {
      listener.onClosed(ws, code, reason);
      sender.shutdown(); // what is queued still goes, to a socket now closed
    }

    @Override
    public void onFailure(WebSocket ws, Throwable t, Response response) {
      listener.onFailure(ws, t, response);
      sender.shutdown();
    }

    private WebSocket queued(WebSocket ws) {
      return new WebSocket() {
        @Override
        public RecordedRequest request() {
          return ws.request();
        }

        @Override
        public boolean send(String text) {
          return queue(() -> ws.send(text));
        }

        @Override
        public boolean send(byte[] bytes) {
          return queue(() -> ws.send(bytes));
        }

        @Override
        public boolean close(int code, String reason) {
          return queue(() -> ws.close(code, reason));
        }
      };
    }

    private boolean queue(Runnable r) {
      try {
        sender.execute(r);
        return true;
      } catch (RejectedExecutionException closed) {
        return false;
      }
    }
  }
}
