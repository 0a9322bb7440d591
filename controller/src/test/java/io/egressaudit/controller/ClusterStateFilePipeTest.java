package io.egressaudit.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dumps that can be read only once: a named pipe ({@code <(kubectl get ...)} is one) and standard
 * input ({@code -}). The loader sniffs the first byte and may parse twice (JSON, then YAML), so
 * each read must see the whole dump.
 */
class ClusterStateFilePipeTest {

  @TempDir Path dir;

  /**
   * A named pipe fed with {@code content} by a writer thread, as a shell's process substitution.
   */
  private Path fifo(String content) throws IOException, InterruptedException {
    Path fifo = dir.resolve("dump-" + System.nanoTime());
    Process mkfifo;
    try {
      mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    } catch (IOException e) {
      assumeThat(false).as("mkfifo is available").isTrue();
      throw e;
    }
    assumeThat(mkfifo.waitFor(30, TimeUnit.SECONDS) && mkfifo.exitValue() == 0)
        .as("mkfifo made " + fifo)
        .isTrue();
    CompletableFuture.runAsync(
        () -> {
          try (OutputStream out = Files.newOutputStream(fifo)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    return fifo;
  }

  @Test
  void readsYamlFromANamedPipe() throws Exception {
    LoadedClusterState state = ClusterStateFile.load(fifo(ClusterStateFileTest.LIST_YAML));

    assertThat(state.objects()).containsExactlyElementsOf(ClusterStateFileTest.LIST_OBJECTS);
  }

  @Test
  void readsFlowYamlThatStartsLikeJsonFromANamedPipe() throws Exception {
    // '{' makes the loader try JSON first; unquoted keys fail it, and YAML must read it all again
    String flow =
        "{apiVersion: v1, kind: Namespace, metadata: {name: simpson, labels: {env: qa}}}\n";

    LoadedClusterState state = ClusterStateFile.load(fifo(flow));

    assertThat(state.objects()).hasSize(1);
    assertThat(state.objects().get(0).toString()).contains("simpson");
  }

  @Test
  void readsStandardInputForADash() {
    InputStream saved = System.in;
    try {
      System.setIn(
          new ByteArrayInputStream(
              ClusterStateFileTest.LIST_YAML.getBytes(StandardCharsets.UTF_8)));

      LoadedClusterState state = ClusterStateFile.load(Path.of(ClusterStateFile.STANDARD_INPUT));

      assertThat(state.objects()).containsExactlyElementsOf(ClusterStateFileTest.LIST_OBJECTS);
    } finally {
      System.setIn(saved);
    }
  }
}
