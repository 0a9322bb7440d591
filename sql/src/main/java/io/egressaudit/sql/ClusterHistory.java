package io.egressaudit.sql;

import io.egressaudit.correlator.ClusterObject;
import io.egressaudit.correlator.ObjectRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Writes the history of cluster state: every object's states as intervals {@code [valid_from,
 * valid_to)}. A snapshot recorded at {@code t} closes the intervals of objects that changed or
 * disappeared and opens intervals for new states; unchanged objects keep their interval, so {@code
 * since} in an attribution tells when the state that matched began.
 *
 * <p>History only grows forward: a snapshot older than the latest recorded change of its cluster is
 * refused rather than rewriting the past. Live clusters are recorded one observed change at a time
 * ({@link #recordChanges(String, List)}), each object's history kept moving forward.
 *
 * <p>Thread-safe: every write is its own transaction under the database's write lock. A snapshot is
 * written in many short transactions ({@link SnapshotInSteps}), so that hits never wait long behind
 * it; readers see it only once it is complete.
 */
public final class ClusterHistory {

  private static final SqlStatements SQL = SqlStatements.load("history.sql");

  private final Database database;

  /**
   * @param database where history is stored
   */
  public ClusterHistory(Database database) {
    this.database = database;
  }

  /**
   * Records the complete state of a cluster as valid from {@code at}.
   *
   * @param cluster the cluster's name
   * @param at the time the state is valid from
   * @param objects every node, namespace, pod and EgressIP of the cluster at {@code at}; objects of
   *     the cluster not in it are taken as deleted at {@code at}
   * @param source where the state came from (a file path), kept in {@code cluster_import}
   * @return what changed
   * @throws HistoryOrderException when {@code at} is before the cluster's latest recorded change
   * @throws DatabaseException when another snapshot of the cluster is being written, or the
   *     database cannot be written (nothing is recorded)
   */
  public ImportSummary recordSnapshot(
      String cluster, Instant at, Collection<? extends ClusterObject> objects, String source) {
    return new SnapshotInSteps(database, cluster, at, source).record(objects);
  }

  /**
   * Records one object's state as observed at {@code at}: nothing when its open state is the same;
   * otherwise its open interval (if any) ends and a new one begins. See {@link
   * #recordChanges(String, List)} for how {@code at} is kept from going backwards.
   *
   * @param cluster the cluster's name
   * @param at when the state was observed
   * @param object the object's state
   * @return what changed (opened 1 and closed 0 or 1, or unchanged 1)
   * @throws DatabaseException when the database cannot be written (nothing is recorded)
   */
  public ImportSummary recordChange(String cluster, Instant at, ClusterObject object) {
    return recordChanges(cluster, List.of(ObjectChange.observed(at, object)));
  }

  /**
   * Records that an object was deleted at {@code at}: its open interval ends; nothing when it has
   * none (never seen, or already deleted).
   *
   * @param cluster the cluster's name
   * @param at when the deletion was observed
   * @param ref the object
   * @return what changed (closed 1, or nothing)
   * @throws DatabaseException when the database cannot be written
   */
  public ImportSummary recordDeletion(String cluster, Instant at, ObjectRef ref) {
    return recordChanges(cluster, List.of(ObjectChange.deleted(at, ref)));
  }

  /**
   * Records changes and deletions all observed at {@code at}, in one transaction.
   *
   * @param cluster the cluster's name
   * @param at when they were observed
   * @param changed new or changed objects
   * @param deleted deleted objects
   * @return what changed
   * @throws DatabaseException when the database cannot be written (nothing is recorded)
   */
  public ImportSummary recordChanges(
      String cluster, Instant at, List<? extends ClusterObject> changed, List<ObjectRef> deleted) {
    List<ObjectChange> changes = new ArrayList<>(changed.size() + deleted.size());
    changed.forEach(o -> changes.add(ObjectChange.observed(at, o)));
    deleted.forEach(r -> changes.add(ObjectChange.deleted(at, r)));
    if (changes.isEmpty()) {
      return new ImportSummary(cluster, at, 0, 0, 0);
    }
    return recordObserved(cluster, at, changes);
  }

  /**
   * Records observed changes of single objects, each at its own time, in one transaction and in
   * list order. Unlike a snapshot, this says nothing about objects not in the list, and it is
   * accepted even when older than the cluster's latest change: history of one object never goes
   * backwards, though. A change observed before the object's open state began (clock skew, a late
   * event) is recorded when that state began, and an object that reappears starts no earlier than
   * its last interval ended; so no interval ends before it starts and one object's intervals never
   * overlap. Change batches are not listed in {@code cluster_import}.
   *
   * @param cluster the cluster's name
   * @param changes the observations; at least one
   * @return what changed, with {@code at} the latest observation time in {@code changes}
   * @throws IllegalArgumentException when {@code changes} is empty
   * @throws DatabaseException when the database cannot be written (nothing is recorded)
   */
  public ImportSummary recordChanges(String cluster, List<ObjectChange> changes) {
    Instant latest =
        changes.stream()
            .map(ObjectChange::at)
            .max(Instant::compareTo)
            .orElseThrow(() -> new IllegalArgumentException("no changes to record"));
    return recordObserved(cluster, latest, changes);
  }

  private ImportSummary recordObserved(String cluster, Instant at, List<ObjectChange> changes) {
    List<HistoryFeed.Event> events = new ArrayList<>();
    HistoryFeed feed = HistoryFeed.of(database);
    return WriteTransaction.run(
        database,
        "changes of cluster '" + cluster + "'",
        c -> {
          events.clear();
          try (ObjectIntervals intervals = new ObjectIntervals(c, cluster, events)) {
            for (ObjectChange change : changes) {
              intervals.apply(change);
            }
            return intervals.summary(at);
          }
        },
        () -> feed.deliver(events));
  }

  /**
   * Deletes history that no attribution at or after {@code cutoff} reads: every interval that ended
   * at or before it, in batches of short transactions (the hit writer gets the lock between them).
   * Intervals still valid at the cutoff are kept whole, so every attribution at or after it is
   * unchanged. Each cluster that loses intervals gets the latest end among them as its prune
   * horizon ({@link HistoryStart#prunedBefore()}, at most {@code cutoff}: from then on every state
   * is whole), in the same transaction as the first batch, so that answers about a time before it
   * say history there was pruned. Listeners of the {@link HistoryFeed} are told once it is done.
   *
   * @param cutoff epoch ms
   * @param batch intervals deleted per transaction, at least 1
   * @return how many intervals were deleted
   * @throws DatabaseException when the database cannot be written; batches already committed stay
   *     deleted
   */
  public long pruneEndedBefore(Instant cutoff, int batch) {
    long deleted = 0;
    boolean first = true;
    while (true) {
      boolean recordHorizon = first;
      first = false;
      int n =
          WriteTransaction.run(
              database,
              "history retention",
              c -> {
                if (recordHorizon) {
                  try (PreparedStatement st = c.prepareStatement(SQL.get("record-horizon"))) {
                    st.setLong(1, cutoff.toEpochMilli());
                    st.executeUpdate();
                  }
                }
                try (PreparedStatement st =
                    c.prepareStatement(SQL.get("delete-intervals-ended-before"))) {
                  st.setLong(1, cutoff.toEpochMilli());
                  st.setInt(2, batch);
                  return st.executeUpdate();
                }
              });
      deleted += n;
      if (n < batch) {
        break;
      }
    }
    HistoryFeed.of(database).pruned(cutoff.toEpochMilli());
    return deleted;
  }

  /**
   * The latest time at which the cluster's recorded state changed, or null when the cluster has no
   * history.
   */
  public Instant latestChange(String cluster) {
    try (Connection c = database.openReader()) {
      return latestChange(c, cluster);
    } catch (SQLException e) {
      throw new DatabaseException(
          "cannot read history in " + database.file() + ": " + e.getMessage(), e);
    }
  }

  private static Instant latestChange(Connection c, String cluster) throws SQLException {
    long latest = Long.MIN_VALUE;
    for (String q : new String[] {"latest-change", "latest-import"}) {
      try (PreparedStatement st = c.prepareStatement(SQL.get(q))) {
        st.setString(1, cluster);
        try (ResultSet rs = st.executeQuery()) {
          if (rs.next()) {
            long v = rs.getLong(1);
            if (!rs.wasNull()) {
              latest = Math.max(latest, v);
            }
          }
        }
      }
    }
    return latest == Long.MIN_VALUE ? null : Instant.ofEpochMilli(latest);
  }

  static void checkOrder(Connection c, String cluster, Instant at) throws SQLException {
    Instant latest = latestChange(c, cluster);
    if (latest != null && at.isBefore(latest)) {
      throw new HistoryOrderException(cluster, at, latest);
    }
  }

  static void close(PreparedStatement st, long id, long t) throws SQLException {
    st.setLong(1, t);
    st.setLong(2, id);
    st.executeUpdate();
  }

  static PreparedStatement prepareInsert(Connection c) throws SQLException {
    return c.prepareStatement(SQL.get("insert-object"), java.sql.Statement.RETURN_GENERATED_KEYS);
  }

  /** Inserts an open interval; returns its row id. */
  static long insert(PreparedStatement st, String cluster, ObjectRef ref, long t, String body)
      throws SQLException {
    st.setString(1, cluster);
    st.setString(2, ref.kind().kind());
    st.setString(3, ref.namespace());
    st.setString(4, ref.name());
    st.setLong(5, t);
    st.setString(6, body);
    st.executeUpdate();
    try (ResultSet keys = st.getGeneratedKeys()) {
      if (!keys.next()) {
        throw new SQLException("no row id for the new interval of " + ref);
      }
      return keys.getLong(1);
    }
  }
}
