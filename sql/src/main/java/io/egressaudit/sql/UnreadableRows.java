package io.egressaudit.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * History rows whose {@code cluster_object.body} cannot be decoded (changed by hand, damaged on
 * disk). One such row must not stop every command and keep {@code serve}'s hit listener down: it is
 * left out of the answers, and one warning per read gives their number and names the table, row id,
 * cluster and object of the first, once per process for the same rows (a log line in {@code serve},
 * a line on stderr for a command).
 */
final class UnreadableRows {

  private static final Logger LOG = LoggerFactory.getLogger(UnreadableRows.class);

  /** The warnings already given: database file, number of rows and the first. */
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private UnreadableRows() {}

  /** The rows left out by one read: how many, and the first described. */
  static final class Tally {
    private final java.nio.file.Path file;
    private int count;
    private String first;

    Tally(java.nio.file.Path file) {
      this.file = file;
    }

    /**
     * Counts a row left out; the first is described.
     *
     * @param c an open connection to the file, to read the object's name
     * @param id {@code cluster_object.id}
     * @param problem why the body could not be decoded
     */
    void skipped(Connection c, long id, RuntimeException problem) {
      if (count++ == 0) {
        first = describe(file, c, id, problem).substring(file.toString().length() + 2);
      }
    }

    /**
     * Warns once per process and number of rows, in one line whatever their number: the count, and
     * the table, row id, cluster, kind and name of the first.
     */
    void warn() {
      if (count == 0 || !WARNED.add(file + "#" + count + "#" + first)) {
        return;
      }
      LOG.warn(
          "{}: {} of table cluster_object cannot be decoded and {} left out of history; answers"
              + " are given from the other rows. First: {}",
          file,
          count == 1 ? "1 row" : count + " rows",
          count == 1 ? "is" : "are",
          first);
    }
  }

  /**
   * One row described.
   *
   * @return {@code FILE: table cluster_object, row id N (cluster C, KIND NS/NAME): body is not a
   *     readable state record, left out of history: PROBLEM}
   */
  static String describe(java.nio.file.Path file, Connection c, long id, RuntimeException problem) {
    return file
        + ": table cluster_object, row id "
        + id
        + " ("
        + describe(c, id)
        + "): body is not a readable state record, left out of history: "
        + firstLine(problem.getMessage());
  }

  private static String describe(Connection c, long id) {
    try (PreparedStatement st =
        c.prepareStatement(
            "SELECT cluster, kind, namespace, name FROM cluster_object WHERE id = ?")) {
      st.setLong(1, id);
      try (ResultSet rs = st.executeQuery()) {
        if (!rs.next()) {
          return "gone";
        }
        String ns = rs.getString(3);
        return "cluster "
            + rs.getString(1)
            + ", "
            + rs.getString(2)
            + " "
            + (ns == null || ns.isEmpty() ? "" : ns + "/")
            + rs.getString(4);
      }
    } catch (SQLException e) {
      return "cluster and name unreadable: " + e.getMessage();
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    String first = message.strip().split("\\R", 2)[0];
    return first.length() <= 200 ? first : first.substring(0, 197) + "...";
  }
}
