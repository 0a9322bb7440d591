package io.egressaudit.server.cli;

import io.egressaudit.sql.Database;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --db} option every command that touches the database shares. */
final class DbOption {

  @Option(
      names = "--db",
      paramLabel = "PATH",
      defaultValue = "${env:EGRESS_AUDIT_DB:-egress-audit.db}",
      description =
          "SQLite database file; commands that write create it when missing, those that only read"
              + " (whois, sources, timeline, hits, clusters, anomalies) need it to exist and not be"
              + " empty (env EGRESS_AUDIT_DB; default: ${DEFAULT-VALUE}).")
  Path db;

  @Option(
      names = "--durability",
      paramLabel = "full|normal",
      defaultValue = "${env:EGRESS_AUDIT_DURABILITY:-full}",
      converter = Converters.Durability.class,
      description =
          "When a commit is on disk: full fsyncs every commit (a 200 survives a power cut); normal"
              + " only at checkpoints (survives a crash of egress-audit). Default: ${DEFAULT-VALUE}.")
  Database.Durability durability;

  Database database() {
    return database(0);
  }

  /**
   * The database for a command that only reads ({@code whois}, {@code sources}, {@code timeline},
   * {@code hits}, {@code clusters}, {@code anomalies}): a missing or empty (0 bytes) file is an
   * error rather than a new empty database whose answers would all be "unknown"; the file is left
   * as it is (opening a 0-byte file would make it a database).
   *
   * @throws UncheckedIOException naming the file when it does not exist or is empty
   */
  Database existing() {
    if (!Files.exists(db)) {
      throw new UncheckedIOException(
          "--db " + db + ": no such database (serve, cluster import and import-log create one)",
          new FileNotFoundException(db.toString()));
    }
    try {
      if (Files.isRegularFile(db) && Files.size(db) == 0) {
        throw new UncheckedIOException(
            "--db "
                + db
                + ": empty file (0 bytes), not a database (serve, cluster import and import-log"
                + " create one)",
            new FileNotFoundException(db.toString()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("--db " + db + ": cannot read: " + e.getMessage(), e);
    }
    return database(0);
  }

  /** The database with a size cap in bytes (0: none). */
  Database database(long maxBytes) {
    return new Database(db, durability, 5000, maxBytes);
  }
}
