package io.egressaudit.sql;

import io.egressaudit.correlator.ObjectRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies observed changes of single objects to their intervals, inside a transaction the caller
 * holds. Time never goes backwards for an object: a change observed before its open state began
 * (clock skew, a late event) is recorded when that state began, and an object that reappears starts
 * no earlier than its last interval ended, so an object's intervals never overlap and never end
 * before they start.
 */
final class ObjectIntervals implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ObjectIntervals.class);
  private static final SqlStatements SQL = SqlStatements.load("history.sql");

  private final String cluster;
  private final PreparedStatement selectOpen;
  private final PreparedStatement latestEnd;
  private final PreparedStatement closeObject;
  private final PreparedStatement insertObject;
  private int opened;
  private int closed;
  private int unchanged;

  private final java.util.List<HistoryFeed.Event> events;

  ObjectIntervals(Connection c, String cluster, java.util.List<HistoryFeed.Event> events)
      throws SQLException {
    this.cluster = cluster;
    this.events = events;
    this.selectOpen = c.prepareStatement(SQL.get("select-open-of-object"));
    this.latestEnd = c.prepareStatement(SQL.get("latest-end-of-object"));
    this.closeObject = c.prepareStatement(SQL.get("close-object"));
    this.insertObject = ClusterHistory.prepareInsert(c);
  }

  private record Open(long id, long validFrom, String body) {}

  /** Records one change: a new interval for a new or changed state, a closed one for a deletion. */
  void apply(ObjectChange change) throws SQLException {
    ObjectRef ref = change.ref();
    long at = change.at().toEpochMilli();
    Open open = open(ref);
    String body = change.isDeletion() ? null : ObjectJson.write(change.state());
    if (open != null && open.body().equals(body)) {
      unchanged++;
      return;
    }
    if (open != null) {
      long t = notBefore(ref, at, open.validFrom());
      ClusterHistory.close(closeObject, open.id(), t);
      events.add(new HistoryFeed.Event(cluster, open.id(), ref, null, t));
      closed++;
      at = t;
    } else if (body != null) {
      Long end = latestEnd(ref);
      at = end == null ? at : notBefore(ref, at, end);
    }
    if (body != null) {
      long id = ClusterHistory.insert(insertObject, cluster, ref, at, body);
      events.add(new HistoryFeed.Event(cluster, id, ref, change.state(), at));
      opened++;
    }
  }

  /** What the changes applied so far did, as of {@code at}. */
  ImportSummary summary(Instant at) {
    return new ImportSummary(cluster, at, opened, closed, unchanged);
  }

  private long notBefore(ObjectRef ref, long at, long earliest) {
    if (at >= earliest) {
      return at;
    }
    LOG.debug(
        "cluster/{} {}: observed at {}, before its recorded history ends at {}; recorded at {}",
        cluster,
        ref,
        Instant.ofEpochMilli(at),
        Instant.ofEpochMilli(earliest),
        Instant.ofEpochMilli(earliest));
    return earliest;
  }

  private Open open(ObjectRef ref) throws SQLException {
    bind(selectOpen, ref);
    try (ResultSet rs = selectOpen.executeQuery()) {
      return rs.next() ? new Open(rs.getLong(1), rs.getLong(2), rs.getString(3)) : null;
    }
  }

  private Long latestEnd(ObjectRef ref) throws SQLException {
    bind(latestEnd, ref);
    try (ResultSet rs = latestEnd.executeQuery()) {
      if (!rs.next()) {
        return null;
      }
      long v = rs.getLong(1);
      return rs.wasNull() ? null : v;
    }
  }

  private void bind(PreparedStatement st, ObjectRef ref) throws SQLException {
    st.setString(1, cluster);
    st.setString(2, ref.kind().kind());
    st.setString(3, ref.namespace());
    st.setString(4, ref.name());
  }

  @Override
  public void close() throws SQLException {
    try (selectOpen;
        latestEnd;
        closeObject;
        insertObject) {
      // closes all four, each even when another fails
    }
  }
}
