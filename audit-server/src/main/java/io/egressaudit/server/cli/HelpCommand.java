package io.egressaudit.server.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code egress-audit help [COMMAND [SUBCOMMAND]...]}: the usage of a command, walking nested
 * subcommands ({@code help cluster import} is the help of {@code cluster import}). picocli's own
 * help command reads one word only, so it answered that with the help of {@code cluster}.
 */
@Command(
    name = "help",
    helpCommand = true,
    description =
        "Display help information about the specified command, subcommands included"
            + " (help cluster import).",
    synopsisHeading = "%nUsage: ")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show usage help for the help command and exit.")
  boolean helpRequested;

  @Parameters(
      paramLabel = "COMMAND",
      arity = "0..*",
      description = "The command, and its subcommands, to display the usage help of.")
  List<String> commands = List.of();

  private CommandLine self;
  private Help.ColorScheme colors;
  private PrintWriter out;

  @Override
  public void init(
      CommandLine helpCommandLine,
      Help.ColorScheme colorScheme,
      PrintWriter outWriter,
      PrintWriter errWriter) {
    this.self = helpCommandLine;
    this.colors = colorScheme;
    this.out = outWriter;
  }

  /**
   * Prints the usage of the command the words name, from the parent of {@code help} down.
   *
   * @throws UsageError naming the word that is not a subcommand, and the subcommands there are
   */
  @Override
  public Integer call() {
    CommandLine target = self.getParent();
    for (String word : commands) {
      CommandLine sub = target.getSubcommands().get(word);
      if (sub == null) {
        throw new UsageError(
            spec,
            "'"
                + word
                + "' is not a command of "
                + target.getCommandSpec().qualifiedName()
                + (target.getSubcommands().isEmpty()
                    ? " (it has none)"
                    : " (commands: " + String.join(", ", target.getSubcommands().keySet()) + ")"));
      }
      target = sub;
    }
    target.usage(out, colors);
    out.flush();
    return 0;
  }
}
