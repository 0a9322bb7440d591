package io.egressaudit.server.cli;

import io.egressaudit.sql.Database;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --db} option every command that touches the database shares. */
final class DbOption {

  @Option(
      names = "--db",
      paramLabel = "PATH",
      defaultValue = "${env:EGRESS_AUDIT_DB:-egress-audit.db}",
      description =
          "SQLite database file, created when missing (env EGRESS_AUDIT_DB; default: ${DEFAULT-VALUE}).")
  Path db;

  @Option(
      names = "--durability",
      paramLabel = "full|normal",
      defaultValue = "${env:EGRESS_AUDIT_DURABILITY:-full}",
      description =
          "When a commit is on disk: full fsyncs every commit (a 200 survives a power cut); normal"
              + " only at checkpoints (survives a crash of egress-audit). Default: ${DEFAULT-VALUE}.")
  String durability;

  Database database() {
    return database(0);
  }

  /** The database with a size cap in bytes (0: none). */
  Database database(long maxBytes) {
    Database.Durability d =
        switch (durability.toLowerCase(java.util.Locale.ROOT)) {
          case "full" -> Database.Durability.FULL;
          case "normal" -> Database.Durability.NORMAL;
          default ->
              throw new IllegalArgumentException(
                  "--durability: '" + durability + "' is not full or normal");
        };
    return new Database(db, d, 5000, maxBytes);
  }
}
