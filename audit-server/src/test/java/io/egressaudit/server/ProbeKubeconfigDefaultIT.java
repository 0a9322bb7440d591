package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without {@code --kubeconfig}, {@code probe} and {@code drill failover} read the kubeconfig as
 * kubectl does: the files of {@code $KUBECONFIG}, else {@code $HOME/.kube/config} (not the JVM's
 * {@code user.home}). Run as CI runs it: the launcher's jar in a child JVM with its own
 * environment. Each kubeconfig has no current-context, so the message names the file read.
 */
class ProbeKubeconfigDefaultIT {

  static final Path JAR = Path.of("target", "egress-audit.jar");
  static final String NO_CONTEXT = "apiVersion: v1\nkind: Config\ncontexts: []\n";

  @TempDir Path dir;

  String probeWith(Map<String, String> env) throws Exception {
    assertThat(JAR).as("the shaded jar is built in the package phase").exists();
    Path elsewhere = Files.createDirectories(dir.resolve("user-home"));
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + elsewhere,
                "-jar",
                JAR.toString(),
                "probe",
                "--target",
                "http://127.0.0.1:1",
                "--api",
                "http://127.0.0.1:1")
            .redirectErrorStream(true);
    pb.environment().remove("KUBECONFIG");
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(2);
    return out;
  }

  @Test
  void withoutKubeconfigEnvTheKubeconfigOfHomeIsRead() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home/.kube")).getParent();
    Files.writeString(home.resolve(".kube/config"), NO_CONTEXT);

    String out = probeWith(Map.of("HOME", home.toString()));

    assertThat(out)
        .contains("kubeconfig " + home.resolve(".kube/config") + " has no current-context");
  }

  @Test
  void kubeconfigEnvComesBeforeHome() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home/.kube")).getParent();
    Files.writeString(home.resolve(".kube/config"), NO_CONTEXT);
    Path chosen = Files.writeString(dir.resolve("ci-kubeconfig"), NO_CONTEXT);

    String out = probeWith(Map.of("HOME", home.toString(), "KUBECONFIG", chosen.toString()));

    assertThat(out)
        .contains("kubeconfig " + chosen + " has no current-context")
        .doesNotContain(home.toString() + "/.kube");
  }
}
