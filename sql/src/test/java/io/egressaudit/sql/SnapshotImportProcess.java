package io.egressaudit.sql;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.NamespaceState;
import io.egressaudit.correlator.NodeState;
import io.egressaudit.correlator.PodState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Records a generated cluster snapshot, as {@code egress-audit cluster import} does from another
 * process than {@code serve}. Arguments: the database file, the cluster, the number of pods, the
 * time in epoch ms. Prints the summary.
 */
public final class SnapshotImportProcess {

  private SnapshotImportProcess() {}

  /** A cluster of 100 nodes, 200 namespaces and {@code pods} pods. */
  static List<ClusterObject> cluster(int pods) {
    List<ClusterObject> objects = new ArrayList<>();
    for (int n = 0; n < 100; n++) {
      objects.add(new NodeState("node-" + n, List.of("192.168.0." + (n + 1)), Map.of(), true));
    }
    for (int ns = 0; ns < 200; ns++) {
      objects.add(new NamespaceState("ns-" + ns, Map.of("team", "team-" + ns % 20)));
    }
    for (int p = 0; p < pods; p++) {
      objects.add(
          new PodState(
              "ns-" + p % 200,
              "app-" + p + "-5b7857cc48-fs2w4",
              "node-" + p % 100,
              List.of("10." + (128 + p / 65536) + "." + (p / 256) % 256 + "." + p % 256),
              false,
              Map.of("app", "app-" + p, "pod-template-hash", "5b7857cc48"),
              "Running"));
    }
    return objects;
  }

  /**
   * Records the snapshot.
   *
   * @param args database file, cluster, pods, epoch ms
   */
  public static void main(String[] args) {
    Database db = new Database(Path.of(args[0]), Database.Durability.NORMAL, 5000);
    ImportSummary s =
        new ClusterHistory(db)
            .recordSnapshot(
                args[1],
                Instant.ofEpochMilli(Long.parseLong(args[3])),
                cluster(Integer.parseInt(args[2])),
                "generated");
    System.out.println(s);
  }
}
