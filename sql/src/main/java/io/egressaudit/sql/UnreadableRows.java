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
 * left out of the answers, and a warning names the table, the row id, the cluster and the object,
 * once per row and process (a log line in {@code serve}, a line on stderr for a command).
 */
final class UnreadableRows {

  private static final Logger LOG = LoggerFactory.getLogger(UnreadableRows.class);

  /** The rows already warned about, by database file and row id. */
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private UnreadableRows() {}

  /**
   * Warns, the first time in this process, that a row was left out.
   *
   * @param file the database file the row is in
   * @param c an open connection to it, to read the object's name
   * @param id {@code cluster_object.id}
   * @param problem why the body could not be decoded
   * @return the one-line description, with the table, row id, cluster, kind and name
   */
  static String skipped(java.nio.file.Path file, Connection c, long id, RuntimeException problem) {
    String what = describe(c, id);
    String line =
        file
            + ": table cluster_object, row id "
            + id
            + " ("
            + what
            + "): body is not a readable state record, left out of history: "
            + firstLine(problem.getMessage());
    if (WARNED.add(file + "#" + id)) {
      LOG.warn(
          "{}; answers are given from the other rows. Delete or fix the row (sqlite3 {} \"DELETE"
              + " FROM cluster_object WHERE id = {}\") to silence this",
          line,
          file,
          id);
    }
    return line;
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
