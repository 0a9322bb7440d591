package io.egressaudit.controller.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressaudit.testsupport.WatchSendsOffLoop;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The test API server itself ({@link WatchSendsOffLoop#crudServer()}, and {@code ExecMockCluster}
 * of audit-server's tests, built on the same class): a watch its client closes while the server is
 * sending it events must neither hold the server's other answers nor its shutdown, nor leave an
 * edit made just after it unanswered. fabric8's CRUD watch waits for its sends on the event loop
 * the close arrives on; the informer tests failed so ("Unable to close MockWebServer", and the next
 * test's log full of the blocked loop's stack traces).
 */
class WatchSendsOffLoopIT {

  static {
    Logger.getLogger("io.fabric8.mockwebserver").setLevel(Level.WARNING);
  }

  @Test
  void watchesClosedWhileEventsAreOnTheirWayHoldNoOtherAnswerNorTheShutdown() throws Exception {
    KubernetesMockServer server = WatchSendsOffLoop.crudServer();
    long slowest = 0;
    try (KubernetesClient client = server.createClient()) {
      client.nodes().resource(MockCluster.node(MockCluster.WORKER_0, "10.0.0.1")).create();
      // longer than the 30 s a held send waits, so that a held loop shows as a slow answer
      Config patient =
          new ConfigBuilder(client.getConfiguration()).withRequestTimeout(60_000).build();
      for (int round = 0; round < 20; round++) {
        AtomicInteger seen = new AtomicInteger();
        AtomicBoolean editing = new AtomicBoolean(true);
        Thread editor = new Thread(() -> relabel(client, editing));
        try (KubernetesClient watching =
            new KubernetesClientBuilder().withConfig(patient).build()) {
          watching.nodes().withName(MockCluster.WORKER_0).inform(counting(seen));
          editor.start();
          await().atMost(Duration.ofSeconds(20)).until(() -> seen.get() >= 3);
        } finally {
          editing.set(false);
          editor.join();
        }
        for (int ask = 0; ask < 4; ask++) {
          try (KubernetesClient asking =
              new KubernetesClientBuilder().withConfig(patient).build()) {
            long start = System.nanoTime();
            assertThat(asking.nodes().withName(MockCluster.WORKER_0).get()).isNotNull();
            slowest = Math.max(slowest, System.nanoTime() - start);
          }
        }
      }
    } finally {
      server.destroy(); // throws "Unable to close MockWebServer" after 10 s on a held loop
    }
    assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofSeconds(5));
  }

  /**
   * A watch whose close was taken off the loop whole (an earlier fix) stopped taking events before
   * the CRUD dispatcher forgot it: an edit in between found it, its event was refused
   * (RejectedExecutionException on the loop) and the edit was never answered ("PATCH
   * /api/v1/nodes/... timeout"), within 200 rounds on a loaded machine.
   */
  @Test
  void anEditJustAfterAWatchIsClosedIsAnswered() throws Exception {
    KubernetesMockServer server = WatchSendsOffLoop.crudServer();
    long slowest = 0;
    try (KubernetesClient client = server.createClient()) {
      client.nodes().resource(MockCluster.node(MockCluster.WORKER_0, "10.0.0.1")).create();
      Config patient =
          new ConfigBuilder(client.getConfiguration()).withRequestTimeout(20_000).build();
      try (KubernetesClient editing = new KubernetesClientBuilder().withConfig(patient).build()) {
        for (int round = 0; round < 100; round++) {
          AtomicInteger seen = new AtomicInteger();
          KubernetesClient watching = new KubernetesClientBuilder().withConfig(patient).build();
          watching.nodes().withName(MockCluster.WORKER_0).inform(counting(seen));
          label(editing, Integer.toString(round));
          await().atMost(Duration.ofSeconds(20)).until(() -> seen.get() >= 1);
          watching.close();
          for (int e = 0; e < 5; e++) {
            long start = System.nanoTime();
            label(editing, round + "-" + e);
            slowest = Math.max(slowest, System.nanoTime() - start);
          }
        }
      }
    } finally {
      server.destroy();
    }
    assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofSeconds(5));
  }

  private static void label(KubernetesClient client, String value) {
    client
        .nodes()
        .withName(MockCluster.WORKER_0)
        .edit(
            n -> {
              n.getMetadata().setLabels(Map.of("round", value));
              return n;
            });
  }

  private static void relabel(KubernetesClient client, AtomicBoolean editing) {
    for (int i = 0; editing.get(); i++) {
      label(client, Integer.toString(i));
    }
  }

  private static ResourceEventHandler<Node> counting(AtomicInteger seen) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(Node n) {}

      @Override
      public void onUpdate(Node o, Node n) {
        seen.incrementAndGet();
      }

      @Override
      public void onDelete(Node n, boolean unknown) {}
    };
  }
}
