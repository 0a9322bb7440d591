package io.egressaudit.controller.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.testsupport.ClosedPort;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ApiServerCheck} against real sockets on loopback and the fabric8 mock API server: each way
 * of not reaching a cluster is told apart, and none waits for fabric8's request retries (which the
 * clients here keep at their default of 10).
 */
@EnableKubernetesMockClient(https = false)
class ApiServerCheckIT {

  static {
    Logger.getLogger("io.fabric8.mockwebserver").setLevel(Level.WARNING);
  }

  KubernetesMockServer server;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  @Test
  void aClosedPortIsConnectionRefusedAtOnce() throws Exception {
    int closed = ClosedPort.PORT;
    KubernetesClient client = client("https://127.0.0.1:" + closed);

    long started = System.nanoTime();
    assertThatThrownBy(() -> ApiServerCheck.check(client, "lab", Duration.ofSeconds(5)))
        .isInstanceOf(ClusterUnreachableException.class)
        .hasMessage(
            "cannot reach cluster lab at https://127.0.0.1:" + closed + "/: connection refused");

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void aServerThatAcceptsButNeverAnswersTimesOutAfterTheTimeout() throws Exception {
    // the kernel completes connections into the backlog; nothing ever reads or writes them
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    toClose.add(silent);
    KubernetesClient client = client("https://127.0.0.1:" + silent.getLocalPort());

    long started = System.nanoTime();
    assertThatThrownBy(() -> ApiServerCheck.check(client, "lab", Duration.ofSeconds(1)))
        .isInstanceOf(ClusterUnreachableException.class)
        .hasMessageEndingWith(": timed out after 1s");

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    assertThat(took).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void httpsToAPlainHttpServerIsATlsError() {
    KubernetesClient client = client("https://127.0.0.1:" + server.getPort());

    assertThatThrownBy(() -> ApiServerCheck.check(client, "lab", Duration.ofSeconds(5)))
        .isInstanceOf(ClusterUnreachableException.class)
        .hasMessage(
            "cannot reach cluster lab at https://127.0.0.1:"
                + server.getPort()
                + "/: TLS: the server did not answer with TLS (plain HTTP? then the URL is"
                + " http://)");
  }

  @Test
  void aRefusedTokenNamesTheContext() {
    server.clearExpectations(); // the mock answers /version with 200 unless told otherwise
    server.expect().get().withPath("/version").andReturn(401, "Unauthorized").always();
    KubernetesClient client = client("http://127.0.0.1:" + server.getPort());

    assertThatThrownBy(() -> ApiServerCheck.check(client, "prod-admin", Duration.ofSeconds(5)))
        .isInstanceOf(ClusterUnreachableException.class)
        .hasMessageEndingWith(
            ": HTTP 401 Unauthorized: the API server does not accept the credentials of"
                + " kubeconfig context 'prod-admin'");
  }

  @Test
  void aForbiddenVersionNamesTheContext() {
    server.clearExpectations(); // the mock answers /version with 200 unless told otherwise
    server.expect().get().withPath("/version").andReturn(403, "Forbidden").always();
    KubernetesClient client = client("http://127.0.0.1:" + server.getPort());

    assertThatThrownBy(() -> ApiServerCheck.check(client, "prod-view", Duration.ofSeconds(5)))
        .isInstanceOf(ClusterUnreachableException.class)
        .hasMessageContaining("HTTP 403 Forbidden: the user of kubeconfig context 'prod-view'");
  }

  @Test
  void aServerThatIsNotAnApiServerIsSaidSo() {
    server.clearExpectations(); // the mock answers /version with 200 unless told otherwise
    server.expect().get().withPath("/version").andReturn(404, "not here").always();
    KubernetesClient client = client("http://127.0.0.1:" + server.getPort());

    assertThatThrownBy(() -> ApiServerCheck.check(client, "lab", Duration.ofSeconds(5)))
        .isInstanceOf(ClusterUnreachableException.class)
        .hasMessageEndingWith(": GET /version answered HTTP 404: is this a Kubernetes API server?");
  }

  @Test
  void aWebServerThatAnswersEveryPathWith200IsNotAnApiServer() {
    server.clearExpectations();
    server.expect().get().withPath("/version").andReturn(200, "OK").always();
    KubernetesClient client = client("http://127.0.0.1:" + server.getPort());

    assertThatThrownBy(() -> ApiServerCheck.check(client, "lab", Duration.ofSeconds(5)))
        .isInstanceOf(ClusterUnreachableException.class)
        .hasMessage(
            "cluster lab at http://127.0.0.1:"
                + server.getPort()
                + "/ refused the runner: GET /version answered HTTP 200 without a Kubernetes"
                + " version: is this a Kubernetes API server?");
  }

  @Test
  void anApiServerThatAnswersItsVersionPasses() throws Exception {
    server.clearExpectations();
    server
        .expect()
        .get()
        .withPath("/version")
        .andReturn(200, "{\"major\":\"1\",\"minor\":\"33\",\"gitVersion\":\"v1.33.0\"}")
        .once();
    KubernetesClient client = client("http://127.0.0.1:" + server.getPort());

    ApiServerCheck.check(client, "lab", Duration.ofSeconds(5));

    assertThat(server.getLastRequest().getPath()).isEqualTo("/version");
    assertThat(server.getLastRequest().getHeader("Authorization")).isEqualTo("Bearer abc");
  }

  /** A client with fabric8's default retries (10) and a bearer token, as a kubeconfig gives. */
  private KubernetesClient client(String url) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(url)
            .withOauthToken("abc")
            .withRequestRetryBackoffLimit(10)
            .build();
    KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build();
    toClose.add(c);
    return c;
  }
}
