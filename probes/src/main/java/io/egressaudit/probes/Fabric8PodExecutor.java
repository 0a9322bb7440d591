package io.egressaudit.probes;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.dsl.TtyExecOutputErrorable;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs commands through the Kubernetes pod exec API (a WebSocket to {@code
 * pods/NAME/exec?command=...}, subprotocol {@code v4.channel.k8s.io}) with fabric8.
 *
 * <p>stdout, stderr and the error channel are written by fabric8 into bounded buffers as the frames
 * arrive, so the three are drained together and a chatty command cannot stall the exec; the exit
 * code comes from the {@code v1.Status} on the error channel ({@code NonZeroExitCode} with an
 * {@code ExitCode} cause). A command that does not end within the timeout is abandoned: the
 * WebSocket is closed.
 */
public final class Fabric8PodExecutor implements PodExecutor {

  private final KubernetesClient client;

  /**
   * @param client the cluster; its request timeout bounds the WebSocket handshake
   */
  public Fabric8PodExecutor(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public ExecResult exec(ProbeTarget target, List<String> command, Duration timeout) {
    BoundedBuffer out = new BoundedBuffer();
    BoundedBuffer err = new BoundedBuffer();
    BoundedBuffer status = new BoundedBuffer();
    PodResource pod = client.pods().inNamespace(target.namespace()).withName(target.pod());
    TtyExecOutputErrorable exec =
        target.container() != null ? pod.inContainer(target.container()) : pod;
    ExecWatch watch;
    try {
      watch =
          exec.writingOutput(out)
              .writingError(err)
              .writingErrorChannel(status)
              .exec(command.toArray(String[]::new));
    } catch (KubernetesClientException e) {
      return ExecResult.refused(e.getCode() > 0 ? e.getCode() : null, message(e));
    }
    try (watch) {
      Integer code = watch.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      String statusMessage = statusMessage(status.text());
      if (code == null) {
        return ExecResult.refused(
            null,
            "the exec ended without an exit status"
                + (statusMessage != null ? ": " + statusMessage : ""));
      }
      return ExecResult.exited(code, out.text(), err.text(), statusMessage);
    } catch (TimeoutException e) {
      return ExecResult.timedOut(out.text(), err.text());
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      Integer code =
          cause instanceof KubernetesClientException k && k.getCode() > 0 ? k.getCode() : null;
      return ExecResult.refused(code, message(cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExecResult.refused(null, "interrupted");
    }
  }

  /** The message of a {@code v1.Status} on the error channel, or null. */
  private String statusMessage(String json) {
    if (json.isBlank()) {
      return null;
    }
    try {
      Status s = client.getKubernetesSerialization().unmarshal(json, Status.class);
      if (s == null || "Success".equals(s.getStatus())) {
        return null;
      }
      return s.getMessage() != null && !s.getMessage().isBlank() ? s.getMessage() : s.getReason();
    } catch (RuntimeException e) {
      return json.strip();
    }
  }

  /** The API server's own words: the Status message when there is one, else the exception's. */
  static String message(Throwable e) {
    if (e instanceof KubernetesClientException k
        && k.getStatus() != null
        && k.getStatus().getMessage() != null
        && !k.getStatus().getMessage().isBlank()) {
      return firstLine(k.getStatus().getMessage());
    }
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return firstLine(m);
  }

  static String firstLine(String m) {
    String first = m.strip().split("\\R", 2)[0];
    return first.length() <= 300 ? first : first.substring(0, 297) + "...";
  }

  /** Keeps the first {@link ExecResult#MAX_OUTPUT} bytes and drops the rest. */
  private static final class BoundedBuffer extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      if (bytes.size() < ExecResult.MAX_OUTPUT) {
        bytes.write(b);
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      int room = ExecResult.MAX_OUTPUT - bytes.size();
      if (room > 0) {
        bytes.write(b, off, Math.min(room, len));
      }
    }

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
