package io.egressaudit.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What cannot be read twice (standard input, a pipe, a device) is copied to a temporary file up to
 * the cap, not read into the heap: on a heap far smaller than the cap, an endless device is refused
 * with one line, and a dump on standard input loads.
 */
class ClusterStateFileSpoolTest {

  @TempDir Path dir;

  /** Loads its argument and prints the outcome on one line: {@code OK n} or {@code ERROR msg}. */
  public static final class LoadOnce {
    public static void main(String[] args) {
      try {
        LoadedClusterState s = ClusterStateFile.load(Path.of(args[0]));
        System.out.println("OK " + s.objects().size());
      } catch (ClusterStateFileException e) {
        System.out.println("ERROR " + e.getMessage());
      }
    }
  }

  private static List<String> run(String file, Path stdin) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx48m",
            "-cp",
            System.getProperty("java.class.path"),
            LoadOnce.class.getName(),
            file);
    pb.redirectErrorStream(true);
    if (stdin != null) {
      pb.redirectInput(stdin.toFile());
    }
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    p.waitFor();
    return new String(out, StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void anEndlessDeviceIsRefusedAtTheCapWithoutRunningOutOfHeap() throws Exception {
    assertThat(run("/dev/zero", null))
        .containsExactly("ERROR /dev/zero: larger than 256 MiB (the limit)");
  }

  @Test
  void aDumpOnStandardInputLoadsOnAHeapSmallerThanTheCap() throws Exception {
    Path dump = dir.resolve("dump.yaml");
    StringBuilder sb = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
    for (int i = 0; i < 60_000; i++) {
      sb.append("- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: ns-")
          .append(i)
          .append("\n    annotations: {note: '")
          .append("x".repeat(1000))
          .append("'}\n");
    }
    Files.writeString(dump, sb);
    assertThat(Files.size(dump)).isGreaterThan(48L << 20);

    assertThat(run("-", dump)).containsExactly("OK 60000");
    try (var left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertThat(left.filter(p -> p.getFileName().toString().startsWith("egress-audit-dump")))
          .as("the temporary copy is deleted")
          .isEmpty();
    }
  }
}
