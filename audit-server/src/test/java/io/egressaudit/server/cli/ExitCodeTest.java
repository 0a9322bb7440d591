package io.egressaudit.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Exit codes: 2 only for wrong usage picocli or a command reports as such, 1 for an exception a
 * command throws while it runs, whatever its type.
 */
class ExitCodeTest {

  @TempDir Path dir;

  /** A command that fails the way a bug in a command would. */
  @Command(name = "broken")
  static final class Broken implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalArgumentException("index 3 out of bounds for length 3");
    }
  }

  private record Run(int code, String err) {}

  private static Run run(CommandLine cl, String... args) {
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, err.toString());
  }

  @Test
  void anIllegalArgumentExceptionThrownWhileACommandRunsExits1WithOneLine() {
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.addSubcommand(new Broken());

    Run r = run(cl, "broken");

    assertThat(r.code()).as("%s", r).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "egress-audit broken: index 3 out of bounds for length 3" + System.lineSeparator());
  }

  @Test
  void aBadSinceIsWrongUsageNamingTheOptionAndTheValue() {
    Run r =
        run(
            EgressAuditCommand.commandLine(),
            "hits",
            "--since",
            "yesterday",
            "--db",
            dir.resolve("audit.db").toString());

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow())
        .startsWith("egress-audit hits: ")
        .contains("'--since'")
        .contains("'yesterday' is not a time");
    assertThat(dir.resolve("audit.db"))
        .as("parsing fails before the database opens")
        .doesNotExist();
  }

  @Test
  void sinceWithAtIsWrongUsageInOneLine() {
    Run r =
        run(
            EgressAuditCommand.commandLine(),
            "sources",
            "simpson",
            "--since",
            "1d",
            "--at",
            "1h",
            "--db",
            dir.resolve("audit.db").toString());

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "egress-audit sources: --since and --at cannot be used together"
                + System.lineSeparator());
  }

  @Test
  void aPruneOlderThanThatIsNotADurationIsWrongUsage() {
    Run r =
        run(
            EgressAuditCommand.commandLine(),
            "prune",
            "--older-than",
            "ninety days",
            "--db",
            dir.resolve("audit.db").toString());

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err()).contains("'--older-than'").contains("'ninety days' is not a duration");
  }
}
