package io.egressaudit.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and subcommand answers {@code -h} and {@code --help} with its usage, exit 0. */
class HelpOptionsTest {

  /** The word paths of every command in the tree, such as {@code [drill, failover]}. */
  private static void walk(CommandLine command, List<String> path, List<List<String>> out) {
    out.add(path);
    command
        .getSubcommands()
        .forEach(
            (name, sub) -> {
              if (sub.getCommandSpec().name().equals(name)) { // not again under each alias
                List<String> next = new ArrayList<>(path);
                next.add(name);
                walk(sub, next, out);
              }
            });
  }

  @Test
  void everyCommandAnswersDashHAndDashDashHelpWithItsUsage() {
    List<List<String>> commands = new ArrayList<>();
    walk(EgressAuditCommand.commandLine(), List.of(), commands);
    assertThat(commands)
        .contains(List.of("drill"), List.of("drill", "failover"), List.of("cluster", "import"));

    for (List<String> path : commands) {
      for (String flag : List.of("-h", "--help")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = EgressAuditCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));

        int code = cl.execute(args.toArray(String[]::new));

        assertThat(code).as("%s: %s", args, err).isZero();
        assertThat(err.toString()).as("%s", args).isEmpty();
        assertThat(out.toString())
            .as("%s", args)
            .contains("Usage: egress-audit" + (path.isEmpty() ? "" : " " + String.join(" ", path)));
      }
    }
  }

  @Test
  void everyExampleCommandOfAFooterIsPrintedOnOneLine() {
    List<List<String>> commands = new ArrayList<>();
    walk(EgressAuditCommand.commandLine(), List.of(), commands);
    int examples = 0;
    for (List<String> path : commands) {
      CommandLine command = EgressAuditCommand.commandLine();
      for (String word : path) {
        command = command.getSubcommands().get(word);
      }
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      Run r = run(args.toArray(String[]::new));
      List<String> printed = r.out().lines().toList();

      for (String line : command.getCommandSpec().usageMessage().footer()) {
        if (line.startsWith("  egress-audit ")) {
          examples++;
          assertThat(printed).as("%s --help", path).contains(line);
        }
      }
    }
    assertThat(examples).as("example commands in footers").isGreaterThan(10);
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void helpOfEveryCommandPathIsTheUsageOfThatVeryCommand() {
    List<List<String>> commands = new ArrayList<>();
    walk(EgressAuditCommand.commandLine(), List.of(), commands);

    for (List<String> path : commands) {
      List<String> args = new ArrayList<>(List.of("help"));
      args.addAll(path);
      Run r = run(args.toArray(String[]::new));
      List<String> withFlag = new ArrayList<>(path);
      withFlag.add("--help");
      Run dashH = run(withFlag.toArray(String[]::new));

      assertThat(r.code()).as("%s: %s", args, r.err()).isZero();
      assertThat(r.out()).as("%s", args).isEqualTo(dashH.out());
    }
    assertThat(run("help", "cluster", "import").out())
        .startsWith("Usage: egress-audit cluster import");
  }

  @Test
  void helpOfAWordThatIsNoCommandThereIsWrongUsageNamingIt() {
    Run r = run("help", "cluster", "imprt");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines().toList())
        .containsExactly(
            "egress-audit help: 'imprt' is not a command of egress-audit cluster (commands:"
                + " import)");
    assertThat(r.out()).isEmpty();
  }
}
