package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {

  @TempDir Path dir;

  @Test
  void aVersionOneDatabaseIsUpgradedInPlaceKeepingItsHits() throws Exception {
    Path file = dir.resolve("v1.db");
    try (Connection c = raw(file);
        java.sql.Statement st = c.createStatement()) {
      for (String sql :
          Migrations.splitStatements(
              SqlStatements.read("migration/V001__hits_and_cluster_history.sql"))) {
        st.execute(sql);
      }
      st.execute("PRAGMA user_version = 1");
      st.execute(
          "INSERT INTO hit (received_at, source_ip, method, path) VALUES (42, '192.0.2.7', 'GET', '/old')");
    }

    Database.at(file).migrate();

    try (Connection c = raw(file)) {
      assertThat(userVersion(c)).isEqualTo(Migrations.latestVersion());
    }
    StoredHit old = new HitRepository(Database.at(file)).find(HitQuery.all(10)).get(0);
    assertThat(old.hit().path()).isEqualTo("/old");
    assertThat(old.hit().peerIp()).isNull();
  }

  @Test
  void freshFileGetsTheLatestVersionAndTheTables() throws Exception {
    Path file = dir.resolve("audit.db");
    Database db = Database.at(file);

    db.migrate();

    assertThat(file).exists();
    try (Connection c = raw(file)) {
      assertThat(Migrations.latestVersion()).isEqualTo(6);
      assertThat(userVersion(c)).isEqualTo(Migrations.latestVersion());
      assertThat(names(c, "table"))
          .contains(
              "hit",
              "cluster_object",
              "cluster_import",
              "cluster_import_pending",
              "cluster_stale",
              "history_horizon");
      assertThat(names(c, "index"))
          .contains(
              "hit_received_at",
              "hit_source_ip",
              "hit_probe_id",
              "hit_origin_line",
              "cluster_object_current",
              "cluster_object_validity",
              "cluster_object_ref",
              "cluster_import_cluster_at");
      assertThat(single(c, "PRAGMA journal_mode")).isEqualToIgnoringCase("wal");
    }
  }

  @Test
  void openingAgainIsANoOp() throws Exception {
    Path file = dir.resolve("audit.db");
    Database db = Database.at(file);
    db.migrate();
    String schemaBefore;
    try (Connection c = raw(file)) {
      schemaBefore = schema(c);
      try (Statement st = c.createStatement()) {
        st.execute("INSERT INTO hit (received_at, source_ip) VALUES (1, '192.0.2.1')");
      }
    }

    db.migrate();
    try (Connection w = db.openWriter()) {
      assertThat(Migrations.apply(w))
          .as("version before applying")
          .isEqualTo(Migrations.latestVersion());
    }
    try (Connection r = db.openReader()) {
      assertThat(Migrations.version(r)).isEqualTo(Migrations.latestVersion());
    }

    try (Connection c = raw(file)) {
      assertThat(schema(c)).isEqualTo(schemaBefore);
      assertThat(userVersion(c)).isEqualTo(Migrations.latestVersion());
      assertThat(single(c, "SELECT count(*) FROM hit")).isEqualTo("1");
    }
  }

  @Test
  void readerOnAFreshFileCreatesTheSchemaAndCannotWrite() throws Exception {
    Path file = dir.resolve("fresh.db");
    Database db = Database.at(file);

    try (Connection r = db.openReader()) {
      assertThat(Migrations.version(r)).isEqualTo(Migrations.latestVersion());
      try (Statement st = r.createStatement()) {
        assertThatThrownBy(
                () -> st.execute("INSERT INTO hit (received_at, source_ip) VALUES (1, 'x')"))
            .isInstanceOf(SQLException.class);
      }
    }
  }

  @Test
  void databaseFromANewerEgressAuditIsRefused() throws Exception {
    Path file = dir.resolve("newer.db");
    Database db = Database.at(file);
    db.migrate();
    int newer = Migrations.latestVersion() + 1;
    try (Connection c = raw(file);
        Statement st = c.createStatement()) {
      st.execute("PRAGMA user_version = " + newer);
    }

    assertThatThrownBy(db::migrate)
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining(
            "was written by a newer egress-audit (schema "
                + newer
                + ", this one knows up to "
                + Migrations.latestVersion()
                + ")")
        .hasMessageContaining("upgrade egress-audit");
    assertThatThrownBy(db::openWriter)
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("upgrade egress-audit");
    try (Connection c = raw(file)) {
      assertThat(userVersion(c)).as("left as it was").isEqualTo(newer);
    }
  }

  @Test
  void fileThatIsNotSqliteIsNamedAndLeftAlone() throws Exception {
    Path file = dir.resolve("notes.db");
    byte[] garbage = new byte[8192];
    byte[] text =
        "this is not an SQLite database, just some notes\n".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < garbage.length; i++) {
      garbage[i] = (byte) (text[i % text.length] ^ (i * 31));
    }
    Files.write(file, garbage);
    Database db = Database.at(file);

    assertThatThrownBy(db::migrate)
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("not a database");
    assertThatThrownBy(db::openWriter)
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(file.toAbsolutePath().toString());
    assertThatThrownBy(db::openReader)
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(file.toAbsolutePath().toString());
    assertThat(Files.readAllBytes(file)).as("the file is not overwritten").isEqualTo(garbage);
  }

  @Test
  void pathInAMissingDirectoryGivesAClearError() {
    Path missing = dir.resolve("no-such-dir");
    Path file = missing.resolve("audit.db");
    Database db = Database.at(file);

    assertThatThrownBy(db::migrate)
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("directory " + missing.toAbsolutePath() + " does not exist");
    assertThatThrownBy(db::openReader)
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("does not exist");
    assertThat(missing).doesNotExist();
  }

  @Test
  void pathThatIsADirectoryGivesAClearError() {
    Database db = Database.at(dir);

    assertThatThrownBy(db::migrate)
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(dir.toAbsolutePath().toString())
        .hasMessageContaining("directory");
  }

  @Test
  void concurrentFirstOpensAllSucceed() throws Exception {
    // The server opens the hit writer, readers and history writers at once on a fresh file: only
    // one of them may create the schema, the others must see it created, not fail on it.
    for (int round = 0; round < 5; round++) {
      Path file = dir.resolve("race-" + round + ".db");
      Database db = Database.at(file);
      int threads = 6;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          int n = i;
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    if (n % 3 == 0) {
                      db.migrate();
                    } else if (n % 3 == 1) {
                      db.openWriter().close();
                    } else {
                      db.openReader().close();
                    }
                    return null;
                  }));
        }
        start.countDown();
        for (Future<?> f : results) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      try (Connection c = raw(file)) {
        assertThat(userVersion(c)).isEqualTo(Migrations.latestVersion());
      }
    }
  }

  @Test
  void scriptsSplitAtSemicolonsEndingALine() {
    List<String> parts =
        Migrations.splitStatements(
            "-- a comment; with a semicolon;\n"
                + "CREATE TABLE a (\n  x INTEGER -- note\n);\n"
                + "\n"
                + "CREATE INDEX a_x ON a (x);\n"
                + "-- trailing comment\n");

    assertThat(parts)
        .containsExactly("CREATE TABLE a (\n  x INTEGER -- note\n);", "CREATE INDEX a_x ON a (x);");
  }

  @Test
  void everyMigrationFileIsAPackagedResource() {
    assertThat(Migrations.files()).isNotEmpty().allSatisfy(f -> assertThat(f).endsWith(".sql"));
    for (String f : Migrations.files()) {
      assertThat(SqlStatements.read("migration/" + f)).isNotBlank();
    }
  }

  static Connection raw(Path file) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
  }

  private static int userVersion(Connection c) throws SQLException {
    return Integer.parseInt(single(c, "PRAGMA user_version"));
  }

  private static String single(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  private static List<String> names(Connection c, String type) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT name FROM sqlite_master WHERE type = '" + type + "'")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static String schema(Connection c) throws SQLException {
    StringBuilder out = new StringBuilder();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")) {
      while (rs.next()) {
        out.append(rs.getString(1))
            .append(' ')
            .append(rs.getString(2))
            .append(": ")
            .append(rs.getString(3))
            .append('\n');
      }
    }
    return out.toString();
  }
}
