package io.egressaudit.sql;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Named SQL statements read from a {@code .sql} resource of this package. A statement starts at a
 * line {@code -- name: NAME} and runs to the next such line; other comment lines are kept, SQLite
 * ignores them.
 */
final class SqlStatements {

  private final String resource;
  private final Map<String, String> byName;

  private SqlStatements(String resource, Map<String, String> byName) {
    this.resource = resource;
    this.byName = byName;
  }

  /**
   * Loads a resource such as {@code hits.sql}.
   *
   * @throws IllegalStateException when the resource is missing (a packaging error)
   */
  static SqlStatements load(String resource) {
    Map<String, String> byName = new HashMap<>();
    String name = null;
    StringBuilder sql = new StringBuilder();
    for (String line : read(resource).split("\n", -1)) {
      if (line.startsWith("-- name:")) {
        if (name != null) {
          byName.put(name, sql.toString().strip());
        }
        name = line.substring("-- name:".length()).strip();
        sql.setLength(0);
      } else if (name != null) {
        sql.append(line).append('\n');
      }
    }
    if (name != null) {
      byName.put(name, sql.toString().strip());
    }
    return new SqlStatements(resource, Map.copyOf(byName));
  }

  /** The statement text without its trailing semicolon. */
  String get(String name) {
    String sql = byName.get(name);
    if (sql == null) {
      throw new IllegalStateException("no statement '" + name + "' in " + resource);
    }
    return sql.endsWith(";") ? sql.substring(0, sql.length() - 1) : sql;
  }

  static String read(String resource) {
    try (InputStream in = SqlStatements.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing SQL resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read SQL resource " + resource, e);
    }
  }
}
