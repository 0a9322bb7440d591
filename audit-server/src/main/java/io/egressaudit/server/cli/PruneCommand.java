package io.egressaudit.server.cli;

import io.egressaudit.server.TimeArg;
import io.egressaudit.sql.HitRetention;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code egress-audit prune --older-than 90d}: retention, now. */
@Command(
    name = "prune",
    sortOptions = false,
    description = {
      "Delete hits older than a duration now, in small transactions (safe while serve is running),"
          + " and give the freed space back to the file system.",
      "Cluster history is kept: it is small and old hits may be imported again."
    },
    footer = {"", "Example:", "  egress-audit prune --older-than 90d"})
final class PruneCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--older-than",
      required = true,
      paramLabel = "DURATION",
      description = "Hits received longer ago than this are deleted (like 90d, 12h).")
  String olderThan;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "2000",
      description = "Hits deleted per transaction. Default: ${DEFAULT-VALUE}.")
  int batch;

  @Mixin DbOption db;

  @Mixin HelpOption help;

  @Override
  public Integer call() {
    Instant cutoff = TimeArg.now().minus(TimeArg.duration(olderThan, "--older-than"));
    long deleted = new HitRetention(db.database(), batch).prune(cutoff);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("deleted %d hits received before %s%n", deleted, cutoff);
    out.flush();
    return 0;
  }
}
