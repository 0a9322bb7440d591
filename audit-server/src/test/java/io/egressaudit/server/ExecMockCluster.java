package io.egressaudit.server;

import io.egressaudit.probes.ClusterReader;
import io.egressaudit.testsupport.WatchSendsOffLoop;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fabric8 mock API server in CRUD mode whose pod exec is answered by code: every {@code GET
 * /api/v1/namespaces/NS/pods/NAME/exec?command=...} is upgraded to a WebSocket ({@code
 * v4.channel.k8s.io}) and handed to an {@link ExecHandler}, whose reply is sent as the exec API
 * does: stdout on channel 1, stderr on channel 2, then a {@code v1.Status} on channel 3 ({@code
 * Success}, or {@code Failure}/{@code NonZeroExitCode} with an {@code ExitCode} cause). The handler
 * runs on its own thread once the WebSocket is open, never on the mock server's event loop (which
 * serves every other API call); its {@link ExecHandler#refusal}, asked first, refuses the
 * handshake.
 *
 * <p>{@code SelfSubjectAccessReview}s are answered by a predicate over their resource attributes
 * (all allowed by default); everything else is the CRUD dispatcher's. Every WebSocket's sends are
 * queued off the event loop ({@link WatchSendsOffLoop}), so that a watch closed while an event is
 * on its way holds no other answer.
 */
final class ExecMockCluster implements AutoCloseable {

  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(Level.WARNING);
  }

  private static final Pattern EXEC =
      Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/exec\\?(.*)");
  private static final String SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** What an exec of a command in a pod gives. */
  @FunctionalInterface
  interface ExecHandler {
    /**
     * @param namespace the pod's namespace
     * @param pod the pod's name
     * @param command the argv
     */
    ExecReply exec(String namespace, String pod, List<String> command);

    /**
     * The HTTP status the API server refuses the exec's WebSocket handshake with (403: forbidden,
     * 404: no such pod), or 0 to accept it and run {@link #exec}. Called on the mock server's event
     * loop, before the handshake: it must answer at once.
     */
    default int refusal(String namespace, String pod) {
      return 0;
    }
  }

  /**
   * The answer to one exec.
   *
   * @param exitCode the command's exit code; -1 to send a Failure status without exit code (the
   *     runtime could not start the command), with {@code statusMessage}
   * @param stdout sent on channel 1
   * @param stderr sent on channel 2
   * @param statusMessage the Status message on channel 3, or null
   */
  record ExecReply(int exitCode, String stdout, String stderr, String statusMessage) {

    static ExecReply exited(int exitCode, String stdout, String stderr) {
      return new ExecReply(exitCode, stdout, stderr, null);
    }

    static ExecReply notFound(String executable) {
      return new ExecReply(
          -1,
          "",
          "",
          "OCI runtime exec failed: exec failed: unable to start container process: exec: \""
              + executable
              + "\": executable file not found in $PATH: unknown");
    }
  }

  final KubernetesMockServer server;
  final NamespacedKubernetesClient client;
  private final ExecutorService execThreads = Executors.newCachedThreadPool();
  private volatile ExecHandler handler = (ns, pod, cmd) -> ExecReply.exited(127, "", "no handler");
  private volatile Predicate<ResourceAttributes> access = a -> true;
  private final java.util.concurrent.atomic.AtomicLong longestStartLag =
      new java.util.concurrent.atomic.AtomicLong();
  private final List<List<String>> commands = new java.util.concurrent.CopyOnWriteArrayList<>();

  ExecMockCluster() {
    KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
    Dispatcher dispatcher =
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            Matcher m = EXEC.matcher(request.getPath());
            if (m.matches()) {
              return exec(m.group(1), m.group(2), m.group(3));
            }
            if (request.getPath().startsWith(SSAR) && "POST".equals(request.getMethod())) {
              return review(request.getUtf8Body());
            }
            if ("/version".equals(request.getPath())) {
              // what every API server answers, and what probe and drill check first
              return new MockResponse()
                  .setResponseCode(200)
                  .setBody("{\"major\":\"1\",\"minor\":\"33\",\"gitVersion\":\"v1.33.0\"}");
            }
            return crud.dispatch(request);
          }

          @Override
          public void shutdown() {
            crud.shutdown();
          }
        };
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new WatchSendsOffLoop(dispatcher),
            false);
    server.init();
    client = server.createClient();
  }

  /** Answers execs with this handler from now on. */
  ExecMockCluster onExec(ExecHandler h) {
    this.handler = h;
    return this;
  }

  /** Answers access reviews with this predicate from now on. */
  ExecMockCluster allow(Predicate<ResourceAttributes> p) {
    this.access = p;
    return this;
  }

  /**
   * The longest time so far from an exec's request reaching this server to its handler being called
   * (the WebSocket handshake and a thread to run on). A test that times what the handler did
   * against when the exec was sent must allow this much: on a loaded machine it reaches hundreds of
   * milliseconds.
   */
  Duration longestExecStartLag() {
    return Duration.ofNanos(longestStartLag.get());
  }

  /** Every exec's argv so far, in order. */
  List<List<String>> commands() {
    return List.copyOf(commands);
  }

  /** Creates the objects of a kubectl {@code List} file (YAML or JSON). */
  ExecMockCluster load(Path file) throws Exception {
    KubernetesList list;
    try (InputStream in = Files.newInputStream(file)) {
      list = SERIALIZATION.unmarshal(in, KubernetesList.class);
    }
    for (HasMetadata o : list.getItems()) {
      o.getMetadata().setResourceVersion(null);
      if (o instanceof GenericKubernetesResource g) {
        client.genericKubernetesResources(ClusterReader.EGRESS_IPS).resource(g).create();
      } else {
        client.resource(o).create();
      }
    }
    return this;
  }

  /** A kubeconfig whose context {@code loopback} points at this server. */
  Path kubeconfig(Path dir) throws Exception {
    return Files.writeString(
        dir.resolve("kubeconfig"), LiveClusterIT.kubeconfig(client.getMasterUrl().toString()));
  }

  private MockResponse exec(String namespace, String pod, String query) {
    long arrived = System.nanoTime();
    List<String> command = new ArrayList<>();
    for (String kv : query.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0 && kv.substring(0, eq).equals("command")) {
        command.add(URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    commands.add(List.copyOf(command));
    ExecHandler h = handler;
    int refusal = h.refusal(namespace, pod);
    if (refusal != 0) {
      Status status =
          new StatusBuilder()
              .withStatus("Failure")
              .withCode(refusal)
              .withReason(refusal == 403 ? "Forbidden" : "NotFound")
              .withMessage(
                  refusal == 403
                      ? "pods \""
                          + pod
                          + "\" is forbidden: User \"system:serviceaccount:ci:prober\" cannot"
                          + " create resource \"pods/exec\" in API group \"\" in the namespace \""
                          + namespace
                          + "\""
                      : "pods \"" + pod + "\" not found")
              .build();
      return new MockResponse()
          .setResponseCode(refusal)
          .setHeader("Content-Type", "application/json")
          .setBody(SERIALIZATION.asJson(status));
    }
    // the command runs once the WebSocket is open, on a thread of its own: run on the mock
    // server's one event loop, a slow curl would hold every other API call back
    return new MockResponse()
        .withWebSocketUpgrade(
            new WebSocketListener() {
              @Override
              public void onOpen(WebSocket ws, Response response) {
                execThreads.execute(
                    () -> {
                      longestStartLag.accumulateAndGet(System.nanoTime() - arrived, Math::max);
                      send(ws, run(h, namespace, pod, command));
                    });
              }
            });
  }

  private static ExecReply run(ExecHandler h, String namespace, String pod, List<String> command) {
    try {
      return h.exec(namespace, pod, command);
    } catch (RuntimeException e) {
      return ExecReply.exited(1, "", "exec handler failed: " + e);
    }
  }

  private static void send(WebSocket ws, ExecReply r) {
    if (!r.stdout().isEmpty()) {
      ws.send(frame(1, r.stdout()));
    }
    if (!r.stderr().isEmpty()) {
      ws.send(frame(2, r.stderr()));
    }
    StatusBuilder status = new StatusBuilder();
    if (r.exitCode() == 0) {
      status.withStatus("Success");
    } else if (r.exitCode() < 0) {
      status.withStatus("Failure").withReason("InternalError").withMessage(r.statusMessage());
    } else {
      status
          .withStatus("Failure")
          .withReason("NonZeroExitCode")
          .withMessage("command terminated with non-zero exit code: exit status " + r.exitCode())
          .withNewDetails()
          .addNewCause()
          .withReason("ExitCode")
          .withMessage(Integer.toString(r.exitCode()))
          .endCause()
          .endDetails();
    }
    ws.send(frame(3, SERIALIZATION.asJson(status.build())));
    ws.close(1000, "");
  }

  private static byte[] frame(int channel, String text) {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    byte[] f = new byte[body.length + 1];
    f[0] = (byte) channel;
    System.arraycopy(body, 0, f, 1, body.length);
    return f;
  }

  private MockResponse review(String body) {
    SelfSubjectAccessReview review = SERIALIZATION.unmarshal(body, SelfSubjectAccessReview.class);
    ResourceAttributes a = review.getSpec().getResourceAttributes();
    boolean allowed = a != null && access.test(a);
    review.setStatus(new SubjectAccessReviewStatus(allowed, false, null, allowed ? "" : "denied"));
    return new MockResponse()
        .setResponseCode(201)
        .setHeader("Content-Type", "application/json")
        .setBody(SERIALIZATION.asJson(review));
  }

  /**
   * Stops the client and the mock. The mock's shutdown ends in 10 s or throws ("Unable to close
   * MockWebServer"): with the watches' sends off the loop, nothing holds it any more.
   */
  @Override
  public void close() {
    try {
      client.close();
      server.destroy();
    } finally {
      execThreads.shutdownNow();
    }
  }
}
