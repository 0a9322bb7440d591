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
   * <p>Several connections may migrate the same file at once (the server opens the hit writer,
   * readers and history writers together on a fresh file): each pending file runs in a {@code BEGIN
   * IMMEDIATE} transaction that re-reads the version after taking the write lock, so one connection
   * applies it and the others find it applied.
   *
   * @param connection an open connection in auto-commit mode
   * @return the version before migrating
   * @throws SQLException when a migration fails (its transaction is rolled back), when the database
   *     was written by a newer egress-audit (its version is higher than this build's), or when the
   *     connection is not in auto-commit mode
   */
  public static int apply(Connection connection) throws SQLException {
    List<String> files = files();
    int before = version(connection);
    checkNotNewer(before, files.size());
    if (before == files.size()) {
      return before;
    }
    if (!connection.getAutoCommit()) {
      throw new SQLException("schema migrations need a connection in auto-commit mode");
    }
    try (Statement st = connection.createStatement()) {
      while (true) {
        st.execute("BEGIN IMMEDIATE");
        String file = null;
        try {
          int v = version(connection);
          checkNotNewer(v, files.size());
          if (v == files.size()) {
            st.execute("COMMIT");
            return before;
          }
          file = files.get(v);
          for (String sql : splitStatements(SqlStatements.read("migration/" + file))) {
            st.execute(sql);
          }
          st.execute("PRAGMA user_version = " + (v + 1));
          st.execute("COMMIT");
        } catch (SQLException | RuntimeException e) {
          try {
            st.execute("ROLLBACK");
          } catch (SQLException r) {
            e.addSuppressed(r);
          }
          if (file == null) {
            throw e;
          }
          throw new SQLException("migration " + file + " failed: " + e.getMessage(), e);
        }
      }
    }
  }

  private static void checkNotNewer(int version, int latest) throws SQLException {
    if (version < 0) {
      throw new SQLException(
          "database schema version "
              + version
              + " is not one egress-audit writes (0 to "
              + latest
              + ")");
    }
    if (version > latest) {
      throw new SQLException(
          "database schema version "
              + version
              + " is newer than this egress-audit supports ("
              + latest
              + "); upgrade egress-audit");
    }
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
