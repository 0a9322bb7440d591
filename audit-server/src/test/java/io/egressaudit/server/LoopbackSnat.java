package io.egressaudit.server;

import io.egressaudit.server.ExecMockCluster.ExecReply;
import io.egressaudit.testsupport.ClosedPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pod exec as a cluster's SNAT would make it look from outside: {@code curl} and {@code wget}
 * really run on this machine, bound to the loopback address the fixture gives the pod ({@code curl
 * --interface 127.0.0.100}, {@code wget --bind-address=127.0.0.100}), so the request reaches the
 * audit server from that pod's egress IP or node IP. Per pod, a fixture can also drop its traffic
 * (a firewall rejecting it: the request goes to a closed port), take curl or both clients out of
 * its image, or refuse the exec (403).
 */
final class LoopbackSnat implements ExecMockCluster.ExecHandler {

  /** What a pod's image and network look like. */
  enum Image {
    CURL_AND_WGET,
    WGET_ONLY,
    NO_HTTP_CLIENT
  }

  private record PodNet(List<String> sources, boolean dropped, Image image, boolean forbidden) {}

  private final Map<String, PodNet> pods = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

  /**
   * The pod's requests leave from these addresses: the first request from the first, the next from
   * the next, the last one repeated (a fixture's failover or convergence).
   */
  LoopbackSnat from(String namespace, String pod, String... sources) {
    pods.merge(
        namespace + "/" + pod,
        new PodNet(List.of(sources), false, Image.CURL_AND_WGET, false),
        (old, n) -> new PodNet(List.of(sources), old.dropped(), old.image(), old.forbidden()));
    return this;
  }

  /** The pod's requests are rejected on the way (connection refused), so none arrives. */
  LoopbackSnat dropped(String namespace, String pod) {
    pods.compute(
        namespace + "/" + pod,
        (k, old) ->
            old == null
                ? new PodNet(List.of("127.0.0.1"), true, Image.CURL_AND_WGET, false)
                : new PodNet(old.sources(), true, old.image(), old.forbidden()));
    return this;
  }

  /** The pod's image has only some HTTP clients. */
  LoopbackSnat image(String namespace, String pod, Image image) {
    pods.computeIfPresent(
        namespace + "/" + pod, (k, old) -> new PodNet(old.sources(), old.dropped(), image, false));
    return this;
  }

  /** The API server refuses exec into the pod (403). */
  LoopbackSnat forbidden(String namespace, String pod) {
    pods.put(namespace + "/" + pod, new PodNet(List.of(), false, Image.CURL_AND_WGET, true));
    return this;
  }

  /** How many requests the pod's clients sent. */
  int requests(String namespace, String pod) {
    AtomicInteger n = requests.get(namespace + "/" + pod);
    return n == null ? 0 : n.get();
  }

  @Override
  public int refusal(String namespace, String pod) {
    PodNet net = pods.get(namespace + "/" + pod);
    return net != null && net.forbidden() ? 403 : 0;
  }

  @Override
  public ExecReply exec(String namespace, String pod, List<String> command) {
    PodNet net = pods.get(namespace + "/" + pod);
    if (net == null) {
      throw new IllegalStateException("the fixture gives " + namespace + "/" + pod + " no network");
    }
    String client = command.get(0);
    if (client.equals("curl") && net.image() != Image.CURL_AND_WGET) {
      return net.image() == Image.WGET_ONLY
          ? ExecReply.exited(127, "", "sh: curl: not found")
          : ExecReply.notFound("curl");
    }
    if (client.equals("wget") && net.image() == Image.NO_HTTP_CLIENT) {
      return ExecReply.exited(127, "", "sh: wget: not found");
    }
    int n =
        requests.computeIfAbsent(namespace + "/" + pod, k -> new AtomicInteger()).getAndIncrement();
    String source = net.sources().get(Math.min(n, net.sources().size() - 1));
    List<String> argv = new ArrayList<>(command);
    String url = argv.get(argv.size() - 1);
    if (net.dropped()) {
      argv.set(argv.size() - 1, url.replaceFirst(":\\d+/", ":" + ClosedPort.PORT + "/"));
    }
    if (client.equals("curl")) {
      argv.add(1, "--interface");
      argv.add(2, source);
    } else if (client.equals("wget")) {
      argv.add(1, "--bind-address=" + source);
    } else {
      return ExecReply.exited(127, "", "sh: " + client + ": not found");
    }
    return run(argv);
  }

  private static ExecReply run(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).start();
      p.getOutputStream().close();
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      String out = read(p.getInputStream());
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(argv + " did not end within 30 s");
      }
      return ExecReply.exited(p.exitValue(), out, err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String read(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
