package io.egressaudit.server;

import io.egressaudit.controller.informer.ClusterConnection;
import io.egressaudit.controller.informer.ClusterWatcher;
import io.egressaudit.sql.ClusterHistory;
import io.egressaudit.sql.Database;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live clusters {@code serve} watches ({@code --kubeconfig}, {@code --context}): one fabric8
 * client and one {@link ClusterWatcher} per context. Starting returns at once: a cluster that is
 * slow to list, or unreachable, does not hold up the hit listener; its watcher logs and retries.
 */
final class LiveClusters implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LiveClusters.class);

  private record Watched(KubernetesClient client, ClusterWatcher watcher) {}

  private final List<Watched> watched = new ArrayList<>();

  private LiveClusters() {}

  /**
   * Starts watching every cluster; call after the database is migrated.
   *
   * @param connections the clusters, from {@link
   *     io.egressaudit.controller.informer.KubeconfigClusters}
   * @param database where history is recorded
   * @return the running watchers; none when {@code connections} is empty
   */
  static LiveClusters start(List<ClusterConnection> connections, Database database) {
    LiveClusters live = new LiveClusters();
    ClusterHistory history = new ClusterHistory(database);
    try {
      for (ClusterConnection c : connections) {
        KubernetesClient client = c.connect();
        try {
          live.watched.add(new Watched(client, ClusterWatcher.start(client, c.cluster(), history)));
        } catch (RuntimeException e) {
          client.close();
          throw e;
        }
      }
    } catch (RuntimeException e) {
      live.close();
      throw e;
    }
    return live;
  }

  /** The watchers, in {@code --context} order. */
  List<ClusterWatcher> watchers() {
    return watched.stream().map(Watched::watcher).toList();
  }

  /** Stops each watcher, then its client. */
  @Override
  public void close() {
    for (Watched w : watched) {
      try {
        w.watcher().close();
      } catch (RuntimeException e) {
        LOG.warn("cluster/{}: stopping the watcher: {}", w.watcher().cluster(), e.getMessage());
      }
      w.client().close();
    }
    watched.clear();
  }
}
