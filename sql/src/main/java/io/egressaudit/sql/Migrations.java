package io.egressaudit.sql;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * A tiny versioned schema scheme: {@code migration/index.txt} lists the migration files in order,
 * and SQLite's {@code PRAGMA user_version} holds how many of them the database has applied. Each
 * pending file runs in its own transaction together with the version bump, so a crash leaves the
 * database at a whole version.
 */
public final class Migrations {

  private Migrations() {}

  /** The migration files, in order. */
  static List<String> files() {
    return SqlStatements.read("migration/index.txt")
        .lines()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
  }

  /** The schema version this build writes: the number of migration files. */
  public static int latestVersion() {
    return files().size();
  }

  /**
   * Brings the schema up to {@link #latestVersion()}, from nothing or from any older version.
   *
   * @param connection an open connection in auto-commit mode
   * @return the version before migrating
   * @throws SQLException when a migration fails (its transaction is rolled back), or when the
   *     database was written by a newer egress-audit (its version is higher than this build's)
   */
  public static int apply(Connection connection) throws SQLException {
    List<String> files = files();
    int current = version(connection);
    if (current > files.size()) {
      throw new SQLException(
          "database schema version "
              + current
              + " is newer than this egress-audit supports ("
              + files.size()
              + "); upgrade egress-audit");
    }
    for (int v = current; v < files.size(); v++) {
      String script = SqlStatements.read("migration/" + files.get(v));
      connection.setAutoCommit(false);
      try (Statement st = connection.createStatement()) {
        for (String sql : splitStatements(script)) {
          st.execute(sql);
        }
        st.execute("PRAGMA user_version = " + (v + 1));
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw new SQLException("migration " + files.get(v) + " failed: " + e.getMessage(), e);
      } finally {
        connection.setAutoCommit(true);
      }
    }
    return current;
  }

  /** The database's {@code PRAGMA user_version}. */
  public static int version(Connection connection) throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA user_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  /** Splits a script at semicolons that end a line; comment-only pieces are dropped. */
  static List<String> splitStatements(String script) {
    StringBuilder current = new StringBuilder();
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    for (String line : script.split("\n", -1)) {
      String code = line.strip();
      if (code.startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (code.endsWith(";")) {
        out.add(current.toString().strip());
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      out.add(current.toString().strip());
    }
    return out;
  }
}
