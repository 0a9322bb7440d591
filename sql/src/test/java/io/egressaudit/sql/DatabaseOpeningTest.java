package io.egressaudit.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a database file that this build cannot use: one line naming the file and why. */
class DatabaseOpeningTest {

  @TempDir Path dir;

  private final List<Path> immutable = new ArrayList<>();

  @AfterEach
  void writableAgain() throws Exception {
    for (Path p : immutable) {
      new ProcessBuilder("chattr", "-i", p.toString()).inheritIO().start().waitFor();
    }
  }

  @Test
  void aReaderRefusesASchemaNewerThanThisBuild() throws Exception {
    Path file = dir.resolve("future.db");
    Database db = Database.at(file);
    db.migrate();
    setUserVersion(file, 99);

    assertThatThrownBy(() -> db.openReader().close())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining(
            "was written by a newer egress-audit (schema 99, this one knows up to "
                + Migrations.latestVersion()
                + ")");
  }

  @Test
  void aNegativeSchemaVersionIsNamedNotAnIndexError() throws Exception {
    Path file = dir.resolve("minus.db");
    Database db = Database.at(file);
    db.migrate();
    setUserVersion(file, -1);

    for (var open : List.<Runnable>of(db::migrate, () -> close(db.openReader()))) {
      assertThatThrownBy(open::run)
          .isInstanceOf(DatabaseException.class)
          .hasMessageContaining(file.toAbsolutePath().toString())
          .hasMessageContaining("schema version -1, which no egress-audit writes")
          .hasMessageNotContaining("Index");
    }
  }

  @Test
  void migrateRefusesAFileItCanOnlyRead() throws Exception {
    Path file = dir.resolve("ro.db");
    Database db = Database.at(file);
    db.migrate();
    makeReadOnly(file);

    assertThatThrownBy(db::migrate)
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("cannot be written");
    // it can still be read
    try (Connection c = db.openReader()) {
      assertThat(Migrations.version(c)).isEqualTo(Migrations.latestVersion());
    }
  }

  @Test
  void aReaderInAReadOnlyDirectorySaysWhyItNeedsToWriteThere() throws Exception {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    Path file = sub.resolve("audit.db");
    Database db = Database.at(file);
    db.migrate(); // closed: no -wal or -shm left
    assertThat(sub.resolve("audit.db-shm")).doesNotExist();
    makeReadOnly(sub);

    assertThatThrownBy(() -> db.openReader().close())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("the directory " + sub.toAbsolutePath() + " is read-only")
        .hasMessageContaining("audit.db-shm")
        .hasMessageNotContaining("\n");
  }

  private static void close(Connection c) {
    try {
      c.close();
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Takes write access away: by its mode, or, for root (whom modes do not stop), with the immutable
   * attribute; the test is skipped where neither is possible.
   */
  private void makeReadOnly(Path p) throws Exception {
    Files.setPosixFilePermissions(
        p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "r-xr-xr-x" : "r--r--r--"));
    if (probeWritable(p)) {
      Process chattr = new ProcessBuilder("chattr", "+i", p.toString()).start();
      assumeTrue(chattr.waitFor() == 0, "neither chmod nor chattr +i takes write access away");
      immutable.add(p);
    }
    assumeTrue(!probeWritable(p), "could not make " + p + " read-only");
  }

  private static boolean probeWritable(Path p) {
    try {
      if (Files.isDirectory(p)) {
        Path probe = p.resolve(".probe");
        Files.createFile(probe);
        Files.delete(probe);
      } else {
        try (var ch = Files.newByteChannel(p, java.nio.file.StandardOpenOption.WRITE)) {
          return true;
        }
      }
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static void setUserVersion(Path file, int v) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      st.execute("PRAGMA user_version = " + v);
    }
  }
}
