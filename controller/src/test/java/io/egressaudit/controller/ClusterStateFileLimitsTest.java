package io.egressaudit.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.PodState;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a pathological dump costs: a scalar over the cap and an object with too many values in the
 * fields attribution reads are refused with the file and line; unused fields are skipped. Figures
 * (time, heap) come from {@link ClusterStateFileFigures}, not from tests.
 */
class ClusterStateFileLimitsTest {

  @TempDir Path dir;

  private static final String POD =
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  namespace: big\n";

  /** In YAML any scalar counts (the scanner holds it whole); JSON skips unused ones unbuffered. */
  @Test
  void aScalarOverTheCapIsRefusedWithTheFileAndLine() throws IOException {
    String huge = "x".repeat(ClusterStateFile.MAX_SCALAR_CHARS + 1);
    Path plain =
        Files.writeString(
            dir.resolve("plain.yaml"), POD + "  annotations:\n    big: " + huge + "\n");
    Path quoted =
        Files.writeString(
            dir.resolve("quoted.yaml"), POD + "  annotations:\n    big: \"" + huge + "\"\n");
    Path json =
        Files.writeString(
            dir.resolve("big.json"),
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n"
                + " \"metadata\": {\"name\": \"big\", \"namespace\": \"big\",\n"
                + "  \"labels\": {\"big\": \""
                + huge
                + "\"}}}\n");

    for (Path file : new Path[] {plain, quoted, json}) {
      assertThatThrownBy(() -> ClusterStateFile.load(file))
          .isInstanceOf(ClusterStateFileException.class)
          .hasMessageStartingWith(file + ":" + (file == json ? 3 : 7) + ":")
          .hasMessageContaining(
              ": a single value longer than 4194304 characters (the cap: Kubernetes keeps no"
                  + " object over 1.5 MiB)")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void aScalarAtTheCapIsRead() throws IOException {
    String atCap = "x".repeat(ClusterStateFile.MAX_SCALAR_CHARS - 16);
    Path file =
        Files.writeString(
            dir.resolve("cluster.yaml"),
            POD + "  annotations:\n    big: " + atCap + "\n  labels: {app: big}\n");

    PodState pod = (PodState) ClusterStateFile.load(file).objects().get(0);

    assertThat(pod.labels()).isEqualTo(Map.of("app", "big"));
  }

  @Test
  void tooManyValuesInTheFieldsAttributionReadsAreRefused() throws IOException {
    Path file = dir.resolve("labels.yaml");
    try (Writer w = Files.newBufferedWriter(file)) {
      w.write("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: wide\n  labels:\n");
      for (int i = 0; i <= ObjectTreeReader.MAX_OBJECT_VALUES; i++) {
        w.write("    l" + i + ": v\n");
      }
    }

    assertThatThrownBy(() -> ClusterStateFile.load(file))
        .isInstanceOf(ClusterStateFileException.class)
        .hasMessageMatching(
            ".*labels\\.yaml:\\d+:\\d+: more than 100000 values in the fields attribution reads of"
                + " this object \\(aliases expanded\\)");
  }

  @Test
  void unusedFieldsOfAnyShapeAndSizeAreSkipped() throws IOException {
    Path file = dir.resolve("wide.yaml");
    try (Writer w = Files.newBufferedWriter(file)) {
      w.write("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: wide\n  labels: {a: b}\n");
      w.write("  annotations:\n");
      for (int i = 0; i < 3 * ObjectTreeReader.MAX_OBJECT_VALUES; i++) {
        w.write("    k" + i + ": v\n");
      }
      // A duplicate key in a field attribution does not read is not worth refusing the file.
      w.write("    k0: again\n");
      w.write("spec: {finalizers: [kubernetes]}\n");
    }

    NamespaceState ns = (NamespaceState) ClusterStateFile.load(file).objects().get(0);

    assertThat(ns.labels()).isEqualTo(Map.of("a", "b"));
  }
}
