package io.egressaudit.server.cli;

import io.egressaudit.sql.Database;
import java.io.FileNotFoundException;
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
          "SQLite database file; commands that write create it when missing, whois, sources and hits"
              + " need it to exist (env EGRESS_AUDIT_DB; default: ${DEFAULT-VALUE}).")
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
   * The database for a command that only reads ({@code whois}, {@code sources}, {@code hits}): a
   * missing file is an error rather than a new empty database whose answers would all be "unknown".
   *
   * @throws UncheckedIOException naming the file when it does not exist
   */
  Database existing() {
    if (!Files.exists(db)) {
      throw new UncheckedIOException(
          "--db " + db + ": no such database (serve, cluster import and import-log create one)",
          new FileNotFoundException(db.toString()));
    }
    return database(0);
  }

  /** The database with a size cap in bytes (0: none). */
  Database database(long maxBytes) {
    return new Database(db, durability, 5000, maxBytes);
  }
}
