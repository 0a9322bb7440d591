package io.egressaudit.server;

import io.egressaudit.controller.ClusterStateFile;
import io.egressaudit.controller.LoadedClusterState;
import io.egressaudit.correlator.AttributionTimeline;
import io.egressaudit.correlator.ObjectKind;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HistoryLoader;
import io.egressaudit.sql.ImportSummary;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Records a {@code kubectl get ... -o yaml|json} file as the state of a cluster from a time on.
 * Blocking (file and JDBC).
 */
public final class ClusterStateImport {

  /** Where the bundled example cluster (the walkthrough's cluster moved onto 127.0.0.0/8) lives. */
  public static final String EXAMPLE_RESOURCE = "/examples/loopback/cluster.yaml";

  /** The cluster name the bundled example is recorded under. */
  public static final String EXAMPLE_CLUSTER = "demo";

  /** The source ({@code cluster_import.source}) the bundled example is recorded with. */
  public static final String EXAMPLE_SOURCE = "bundled:" + EXAMPLE_RESOURCE;

  /**
   * What an import did.
   *
   * @param summary what changed in history
   * @param notes what the file held that attribution does not use (skipped kinds)
   */
  public record Result(ImportSummary summary, List<String> notes) {}

  private final Database database;
  private final ClusterHistory history;

  /**
   * @param database where history is stored
   */
  public ClusterStateImport(Database database) {
    this.database = database;
    this.history = new ClusterHistory(database);
  }

  /**
   * Loads a file and records it.
   *
   * @param file the dump; {@value ClusterStateFile#STANDARD_INPUT} reads standard input
   * @param cluster the cluster's name
   * @param at the time the state is valid from
   * @throws io.egressaudit.controller.ClusterStateFileException naming the file and the problem
   * @throws io.egressaudit.sql.HistoryOrderException when {@code at} is older than the cluster's
   *     history
   */
  public Result importFile(Path file, String cluster, Instant at) {
    return importFile(file, cluster, at, false);
  }

  /**
   * Loads a file and records it, refusing a dump that lacks a whole kind the cluster has now
   * (unless {@code allowMissingKinds}): a dump is the cluster's whole state, so recording {@code
   * kubectl get pods -A -o yaml} alone would end every node, namespace and EgressIP, and history
   * only grows forward.
   *
   * @param file the dump; {@value ClusterStateFile#STANDARD_INPUT} reads standard input
   * @param cluster the cluster's name
   * @param at the time the state is valid from
   * @param allowMissingKinds record the dump even when it has none of a kind the cluster has now
   * @throws MissingKindsException when the dump lacks such a kind and {@code allowMissingKinds} is
   *     false; nothing is recorded
   * @throws io.egressaudit.controller.ClusterStateFileException naming the file and the problem
   * @throws io.egressaudit.sql.HistoryOrderException when {@code at} is older than the cluster's
   *     history
   */
  public Result importFile(Path file, String cluster, Instant at, boolean allowMissingKinds) {
    return importFile(file, cluster, at, allowMissingKinds, null);
  }

  /**
   * As {@link #importFile(Path, String, Instant, boolean)}, recording {@code source} as where the
   * dump came from ({@code cluster_import.source}, the SOURCE of {@code clusters}).
   *
   * @param source such as {@code kubectl --context prod}; null for {@link #sourceOf(Path)}
   */
  public Result importFile(
      Path file, String cluster, Instant at, boolean allowMissingKinds, String source) {
    return record(ClusterStateFile.load(file), file, cluster, at, allowMissingKinds, source);
  }

  /**
   * As {@link #importFile(Path, String, Instant)} for a file that must be a regular file, as {@code
   * serve --cluster-state} reads it again whenever it changes: one that is missing, or became a
   * named pipe or a device, is refused without being opened ({@link
   * ClusterStateFile#loadRegularFile}).
   */
  public Result importRegularFile(Path file, String cluster, Instant at) {
    return record(ClusterStateFile.loadRegularFile(file), file, cluster, at, false, null);
  }

  private Result record(
      LoadedClusterState state,
      Path file,
      String cluster,
      Instant at,
      boolean allowMissingKinds,
      String source) {
    if (!allowMissingKinds) {
      checkKinds(file, cluster, state);
    }
    ImportSummary summary =
        history.recordSnapshot(
            cluster, at, state.objects(), source != null ? source : sourceOf(file));
    return new Result(summary, state.notes());
  }

  /**
   * Where a dump came from, as history records it when not told: {@code standard input} for {@code
   * -} (and {@code /dev/stdin}, {@code /dev/fd/0}), {@code pipe} for what is not a regular file (a
   * process substitution such as {@code <(kubectl get ...)} is {@code /dev/fd/63}, a name that
   * means nothing once the shell is gone), else the file's absolute path.
   */
  public static String sourceOf(Path file) {
    String name = file.toString();
    if (name.equals(ClusterStateFile.STANDARD_INPUT)
        || name.equals("/dev/stdin")
        || name.equals("/dev/fd/0")) {
      return "standard input";
    }
    if (java.nio.file.Files.exists(file) && !java.nio.file.Files.isRegularFile(file)) {
      return "pipe";
    }
    return file.toAbsolutePath().toString();
  }

  /**
   * A dump without any object of a kind the cluster has now (a partial {@code kubectl get}), which
   * would end them all.
   */
  public static final class MissingKindsException extends RuntimeException {
    MissingKindsException(String message) {
      super(message);
    }
  }

  private void checkKinds(Path file, String cluster, LoadedClusterState state) {
    AttributionTimeline.Coverage now = HistoryLoader.coverage(database).get(cluster);
    if (now == null) {
      return;
    }
    Set<ObjectKind> inFile = EnumSet.noneOf(ObjectKind.class);
    state.objects().forEach(o -> inFile.add(o.ref().kind()));
    List<String> kinds = new ArrayList<>();
    List<String> counts = new ArrayList<>();
    now.objectsNow()
        .forEach(
            (kind, count) -> {
              if (count > 0 && !inFile.contains(kind)) {
                kinds.add(kind.kind());
                counts.add(count + " " + kind.kind() + (count == 1 ? "" : "s"));
              }
            });
    if (!kinds.isEmpty()) {
      throw new MissingKindsException(
          file
              + ": no "
              + String.join(" or ", kinds)
              + " object in it, but cluster '"
              + cluster
              + "' has "
              + String.join(", ", counts)
              + " now; a dump is the cluster's whole state and recording this one would end them"
              + " all. Dump every kind (kubectl get nodes,namespaces,pods,egressips -A -o yaml), or"
              + " pass --allow-missing-kinds if they are really gone");
    }
  }

  /**
   * Refuses to record the bundled example where it would end the history of a cluster {@value
   * #EXAMPLE_CLUSTER} recorded from another source (a {@code cluster import} of a real dump, a
   * {@code --cluster-state} file, a live context): the example's state would replace it. A cluster
   * {@value #EXAMPLE_CLUSTER} the bundled example recorded before is fine.
   *
   * @throws IllegalStateException naming the database and where its {@value #EXAMPLE_CLUSTER} came
   *     from ({@code cluster_import.source} of its latest snapshot)
   */
  public void checkExampleFits() {
    String source = HistoryLoader.sources(database).get(EXAMPLE_CLUSTER);
    if (EXAMPLE_SOURCE.equals(source)) {
      return;
    }
    if (source == null && !HistoryLoader.historyStarts(database).containsKey(EXAMPLE_CLUSTER)) {
      return;
    }
    throw new IllegalStateException(
        "--example: cluster "
            + EXAMPLE_CLUSTER
            + " in "
            + database.file()
            + " comes from "
            + (source == null ? "another source" : source)
            + "; --example would record the bundled example over its history: give serve"
            + " --example another --db");
  }

  /**
   * Records the bundled example cluster as cluster {@value #EXAMPLE_CLUSTER}, valid from {@code
   * at}.
   */
  public Result importExample(Instant at) {
    try (InputStream in = ClusterStateImport.class.getResourceAsStream(EXAMPLE_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "the bundled example " + EXAMPLE_RESOURCE + " is missing from the jar");
      }
      Path tmp = Files.createTempFile("egress-audit-example", ".yaml");
      try {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        LoadedClusterState state = ClusterStateFile.load(tmp);
        ImportSummary summary =
            history.recordSnapshot(EXAMPLE_CLUSTER, at, state.objects(), EXAMPLE_SOURCE);
        return new Result(summary, state.notes());
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bundled example: " + e.getMessage(), e);
    }
  }
}
