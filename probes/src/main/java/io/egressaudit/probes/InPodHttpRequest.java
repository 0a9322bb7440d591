package io.egressaudit.probes;

import io.egressaudit.correlator.probe.ExecOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Sends one HTTP GET from inside a pod with whatever client its image has: {@code curl} first,
 * {@code wget} when curl is missing (exit 126 or 127, or the runtime's "executable file not
 * found"), and says so when neither exists.
 *
 * <p>Commands (argv, no shell): {@code curl -sS -o /dev/null -w %{http_code} --max-time N URL},
 * which prints only the status code; {@code wget -q -O /dev/null -T N URL}. {@code N} is the exec
 * timeout less one second (at least one second), so the client gives up, and says why, before the
 * exec is abandoned.
 */
public final class InPodHttpRequest {

  private static final Pattern HTTP_CODE = Pattern.compile("\\d{3}");

  private InPodHttpRequest() {}

  /**
   * Sends the request.
   *
   * @param executor how to run commands in the pod
   * @param target the pod
   * @param url the full URL, such as {@code http://192.168.126.1:8080/probe/ID}
   * @param timeout the time one exec may take
   * @return how it went
   */
  public static ExecOutcome get(
      PodExecutor executor, ProbeTarget target, String url, Duration timeout) {
    String seconds = Long.toString(Math.max(1, timeout.toSeconds() - 1));
    ExecResult curl =
        executor.exec(
            target,
            List.of(
                "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", seconds, url),
            timeout);
    if (!missing(curl)) {
      return curlOutcome(curl);
    }
    ExecResult wget =
        executor.exec(
            target, List.of("wget", "-q", "-O", "/dev/null", "-T", seconds, url), timeout);
    if (missing(wget)) {
      return new ExecOutcome(
          ExecOutcome.Status.NO_HTTP_CLIENT,
          null,
          null,
          null,
          "curl: " + why(curl) + "; wget: " + why(wget));
    }
    return wgetOutcome(wget);
  }

  /** True when the command could not be found in the container. */
  static boolean missing(ExecResult r) {
    if (r.kind() != ExecResult.Kind.EXITED) {
      return false;
    }
    if (r.exitCode() == 126 || r.exitCode() == 127) {
      return true;
    }
    String text = (r.message() + " " + r.stderr()).toLowerCase(Locale.ROOT);
    return r.exitCode() != 0
        && (text.contains("executable file not found")
            || text.contains("no such file or directory"));
  }

  private static String why(ExecResult r) {
    String detail = firstNonBlank(r.message(), r.stderr());
    return "exit " + r.exitCode() + (detail == null ? "" : " (" + detail + ")");
  }

  private static ExecOutcome curlOutcome(ExecResult r) {
    return switch (r.kind()) {
      case REFUSED -> ExecOutcome.failed(refusal(r));
      case TIMED_OUT -> new ExecOutcome(ExecOutcome.Status.TIMED_OUT, "curl", null, null, null);
      case EXITED -> {
        String out = r.stdout().strip();
        Integer http = HTTP_CODE.matcher(out).matches() ? Integer.valueOf(out) : null;
        if (r.exitCode() == 0 && http == null) {
          yield new ExecOutcome(
              ExecOutcome.Status.UNPARSEABLE, "curl", 0, null, "'" + abbreviate(out) + "'");
        }
        yield new ExecOutcome(
            ExecOutcome.Status.COMPLETED,
            "curl",
            r.exitCode(),
            http,
            r.exitCode() == 0 ? null : firstNonBlank(r.stderr(), r.message()));
      }
    };
  }

  private static ExecOutcome wgetOutcome(ExecResult r) {
    return switch (r.kind()) {
      case REFUSED -> ExecOutcome.failed(refusal(r));
      case TIMED_OUT -> new ExecOutcome(ExecOutcome.Status.TIMED_OUT, "wget", null, null, null);
      case EXITED ->
          new ExecOutcome(
              ExecOutcome.Status.COMPLETED,
              "wget",
              r.exitCode(),
              null,
              r.exitCode() == 0 ? null : firstNonBlank(r.stderr(), r.message()));
    };
  }

  private static String refusal(ExecResult r) {
    String m = r.message() == null ? "no message" : r.message();
    return r.apiStatus() == null ? m : "HTTP " + r.apiStatus() + ": " + m;
  }

  private static String firstNonBlank(String... texts) {
    for (String t : texts) {
      if (t != null && !t.isBlank()) {
        return abbreviate(t.strip().split("\\R", 2)[0]);
      }
    }
    return null;
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 197) + "...";
  }
}
