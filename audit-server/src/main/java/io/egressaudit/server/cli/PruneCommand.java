package io.egressaudit.server.cli;

import io.egressaudit.server.Retention;
import io.egressaudit.server.TimeArg;
import io.egressaudit.sql.HistoryLoader;
import java.io.PrintWriter;
import java.time.Duration;
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
      "Then the cluster history no remaining hit needs: intervals that ended more than a day"
          + " before the oldest hit kept. Every remaining hit keeps its attribution; hits older"
          + " than that imported later (import-log) would be unknown.",
      "Each cluster's history is then reported as starting where its state is whole again (the"
          + " latest end of what was deleted): clusters shows it, and whois, timeline and sources"
          + " say 'history before T was pruned' for an earlier time."
    },
    footer = {"", "Example:", "  egress-audit prune --older-than 90d"})
final class PruneCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--older-than",
      required = true,
      paramLabel = "DURATION",
      converter = Converters.DurationValue.class,
      description = "Hits received longer ago than this are deleted (like 90d, 12h).")
  Duration olderThan;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "2000",
      converter = Converters.AtLeastOne.class,
      description = "Hits deleted per transaction. Default: ${DEFAULT-VALUE}.")
  int batch;

  @Mixin DbOption db;

  @Mixin HelpOption help;

  @Override
  public Integer call() {
    Instant cutoff = TimeArg.now().minus(olderThan);
    Retention.Result r = Retention.prune(db.database(), cutoff, batch);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("deleted %s received before %s%n", CountText.of(r.hits(), "hit", "hits"), cutoff);
    out.printf(
        "deleted %s that ended before %s%n",
        CountText.of(r.intervals(), "history interval", "history intervals"), r.historyCutoff());
    HistoryLoader.horizons(db.database())
        .forEach(
            (cluster, t) -> out.printf("cluster/%s: history before %s was pruned%n", cluster, t));
    out.flush();
    return 0;
  }
}
