package io.egressaudit.server.cli;

import io.egressaudit.server.TimeArg;
import java.time.Instant;
import picocli.CommandLine.Option;

/** {@code --at} and {@code --cluster}, shared by the commands that answer for one moment. */
final class PointInTimeOption {

  @Option(
      names = "--at",
      paramLabel = "TIME",
      converter = Converters.Time.class,
      description = "RFC 3339, epoch seconds or ms, or a duration ago (15m, 2h). Default: now.")
  Instant at;

  @Option(
      names = "--cluster",
      converter = ClusterNameConverter.class,
      paramLabel = "NAME",
      description = "Only this cluster. Default: all.")
  String cluster;

  /** The moment asked about: {@code --at}, or now. */
  Instant at() {
    return at == null ? TimeArg.now() : at;
  }
}
