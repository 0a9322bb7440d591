package io.egressaudit.controller.informer;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * A quick look at whether a cluster's API server can be worked with, before a run starts: one
 * {@code GET /version} with the client's credentials, no retry, bounded by a few seconds.
 *
 * <p>Why not simply start: fabric8 retries a request that fails to connect ten times with an
 * exponential backoff ({@code requestRetryBackoffLimit} 10, {@code requestRetryBackoffInterval} 100
 * ms, capped at 3.2 s: about 19 s), and its connect timeout is 10 s, so a closed port took ~22 s to
 * be reported and a silent address longer. The check asks through a client derived from the run's
 * own ({@link HttpClient#newBuilder()}: same TLS, same token and impersonation interceptors) whose
 * {@link RequestConfig} allows no retry; the whole check is bounded by its timeout.
 */
public final class ApiServerCheck {

  /** How long the check may take in all, unless told otherwise: connect, TLS, answer. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private ApiServerCheck() {}

  /**
   * Asks the API server for its version.
   *
   * @param client a client for the cluster (its configuration gives the URL and credentials)
   * @param context the kubeconfig context the client was built from, to name in messages
   * @param timeout the bound on the whole check
   * @throws ClusterUnreachableException when no connection can be made, TLS fails, nothing answers
   *     within {@code timeout}, or the answer is not 2xx (401/403 name the context's credentials)
   */
  public static void check(KubernetesClient client, String context, Duration timeout) {
    String server = client.getConfiguration().getMasterUrl();
    RequestConfig once =
        new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
            .withRequestRetryBackoffLimit(0)
            .build();
    HttpClient http = client.getHttpClient().newBuilder().tag(once).build();
    HttpRequest request =
        http.newHttpRequestBuilder()
            .uri(URI.create(server.endsWith("/") ? server : server + "/").resolve("version"))
            .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .build();
    CompletableFuture<HttpResponse<String>> answer = http.sendAsync(request, String.class);
    HttpResponse<String> response;
    try {
      response = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      answer.cancel(true);
      throw new ClusterUnreachableException(context, server, timedOut(timeout), e);
    } catch (ExecutionException e) {
      throw new ClusterUnreachableException(context, server, reason(e.getCause(), timeout), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterUnreachableException(context, server, "interrupted", e);
    }
    int code = response.code();
    if (code == 401) {
      throw ClusterUnreachableException.refused(
          context,
          server,
          "HTTP 401 Unauthorized: the API server does not accept the credentials of kubeconfig"
              + " context '"
              + context
              + "'");
    }
    if (code == 403) {
      throw ClusterUnreachableException.refused(
          context,
          server,
          "HTTP 403 Forbidden: the user of kubeconfig context '"
              + context
              + "' may not even GET /version");
    }
    if (code < 200 || code > 299) {
      throw ClusterUnreachableException.refused(
          context,
          server,
          "GET /version answered HTTP " + code + ": is this a Kubernetes API server?");
    }
    String body = response.body() == null ? "" : response.body().strip();
    if (!body.startsWith("{") || !body.contains("\"major\"")) {
      // a web server or proxy that answers every path with 200, such as the hit listener
      throw ClusterUnreachableException.refused(
          context,
          server,
          "GET /version answered HTTP 200 without a Kubernetes version: is this a Kubernetes API"
              + " server?");
    }
  }

  /**
   * The reason of a failed connection in a few words: {@code connection refused}, {@code timed out
   * after 5s}, {@code unknown host api.example}, {@code TLS: ...}.
   */
  static String reason(Throwable failure, Duration timeout) {
    for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getClass().getSimpleName().equals("NotSslRecordException")
          || String.valueOf(c.getMessage()).startsWith("not an SSL/TLS record")) {
        // netty's message goes on with a hex dump of what came instead
        return "TLS: the server did not answer with TLS (plain HTTP? then the URL is http://)";
      }
    }
    Throwable t = failure;
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      String m = t.getMessage() == null ? "" : t.getMessage();
      if (t instanceof TimeoutException
          || t.getClass().getSimpleName().contains("Timeout")
          || m.toLowerCase().contains("timed out")) {
        return timedOut(timeout);
      }
      if (t instanceof UnknownHostException) {
        return "unknown host " + m;
      }
      if (t instanceof NoRouteToHostException) {
        return "no route to host";
      }
      if (t instanceof ConnectException) {
        return m.toLowerCase().contains("refused") ? "connection refused" : firstLine(t);
      }
      if (t instanceof SSLException || t instanceof GeneralSecurityException) {
        return "TLS: " + firstLine(root(t));
      }
    }
    return firstLine(root(failure));
  }

  private static String timedOut(Duration timeout) {
    long s = timeout.toSeconds();
    return "timed out after "
        + (s * 1000 == timeout.toMillis() ? s + "s" : timeout.toMillis() + "ms");
  }

  private static Throwable root(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  private static String firstLine(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return t.getClass().getSimpleName();
    }
    String first = m.strip().split("\\R", 2)[0];
    return first.length() <= 200 ? first : first.substring(0, 197) + "...";
  }
}
