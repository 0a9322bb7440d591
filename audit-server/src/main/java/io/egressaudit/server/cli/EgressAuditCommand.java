package io.egressaudit.server.cli;

import io.egressaudit.controller.ClusterStateFileException;
import io.egressaudit.sql.DatabaseException;
import io.egressaudit.sql.HistoryOrderException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code egress-audit} command line: one launcher, subcommands as in the design. */
@Command(
    name = "egress-audit",
    mixinStandardHelpOptions = true,
    versionProvider = EgressAuditCommand.Version.class,
    description = {
      "External egress audit for OVN-Kubernetes EgressIPs: records the source IP of every request"
          + " reaching this host and tells which EgressIP, node and namespaces it belongs to, now"
          + " or at any past time."
    },
    subcommands = {
      ServeCommand.class,
      ClusterCommand.class,
      WhoisCommand.class,
      SourcesCommand.class,
      TimelineCommand.class,
      AnomaliesCommand.class,
      ClustersCommand.class,
      HitsCommand.class,
      ImportLogCommand.class,
      PruneCommand.class,
      ProbeCommand.class,
      DrillCommand.class,
      HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:failure (bad file, unreadable database, partial import)",
      "2:wrong usage",
      "3:probe: the cluster or the audit server cannot be reached"
    })
public final class EgressAuditCommand {

  private EgressAuditCommand() {}

  /**
   * Builds the command line with the project's error handling: a failure prints one line {@code
   * egress-audit <cmd>: <what went wrong>} on stderr and exits 1, whatever the exception (an {@link
   * IllegalArgumentException} thrown while a command runs is a failure or a bug, not wrong usage);
   * wrong usage, a picocli {@link CommandLine.ParameterException} from parsing an option or from a
   * command that checks its options together, prints the message and exits 2. A {@link UsageError}
   * is one line; picocli's own usage errors add where to find help. No command, or a word that is
   * not one, is one line too, then picocli's suggestions and the short usage listing the commands.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new EgressAuditCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    Map<String, CommandLine.IHelpSectionRenderer> sections = cl.getHelpSectionMap();
    sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER, EgressAuditCommand::footer);
    cl.setHelpSectionMap(sections); // for every subcommand too
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          err.println(commandLine.getCommandSpec().qualifiedName() + ": " + message(e));
          err.flush();
          return 1;
        });
    cl.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine c = e.getCommandLine();
          PrintWriter err = c.getErr();
          String name = c.getCommandSpec().qualifiedName();
          String noCommand = commandProblem(e);
          if (noCommand != null) {
            err.println(name + ": " + noCommand);
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            CommandLine.Help help = c.getHelp();
            err.print(help.synopsisHeading());
            err.print(help.synopsis(help.synopsisHeadingLength()));
            err.print(help.commandListHeading());
            int width =
                c.getSubcommands().keySet().stream().mapToInt(String::length).max().orElse(0);
            c.getSubcommands()
                .forEach(
                    (sub, line) ->
                        err.printf(
                            "  %-" + width + "s  %s%n", sub, summary(line.getCommandSpec())));
            err.println("Try '" + name + " --help' for more information.");
            err.flush();
            return 2;
          }
          err.println(name + ": " + e.getMessage());
          if (!(e instanceof UsageError)
              && !CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("Try '" + name + " --help' for more information.");
          }
          err.flush();
          return 2;
        });
    return cl;
  }

  /**
   * A command's footer as picocli writes it, wrapped at the usage width, except its indented lines
   * (example commands, such as {@code egress-audit hits --since 1h -o table}), which are written
   * whole: a command wrapped across two lines cannot be copied into a shell.
   *
   * @param help the help of the command whose usage is printed
   * @return the footer text, each line ending with a line separator
   */
  static String footer(CommandLine.Help help) {
    CommandLine.Model.UsageMessageSpec usage = help.commandSpec().usageMessage();
    StringBuilder sb = new StringBuilder();
    for (String line : usage.footer()) {
      if (line.startsWith("  ")) {
        sb.append(line).append(System.lineSeparator());
      } else {
        CommandLine.Help.join(
            help.colorScheme().ansi(),
            usage.width(),
            usage.adjustLineBreaksForWideCJKCharacters(),
            new String[] {line},
            sb);
      }
    }
    return sb.toString();
  }

  /**
   * When a command that has subcommands was given none, or a word that is none of them: what to say
   * in one line (then its short usage lists the commands). Null for any other usage error.
   */
  private static String commandProblem(CommandLine.ParameterException e) {
    CommandLine c = e.getCommandLine();
    if (c.getSubcommands().isEmpty()
        || (c.getParseResult() != null && c.getParseResult().hasSubcommand())) {
      return null;
    }
    if (e instanceof CommandLine.UnmatchedArgumentException u) {
      List<String> unmatched = u.getUnmatched();
      if (unmatched.isEmpty() || unmatched.get(0).startsWith("-")) {
        return null;
      }
      return "'" + unmatched.get(0) + "' is not a command";
    }
    return "Missing required subcommand".equals(e.getMessage()) ? "no command given" : null;
  }

  /**
   * A command's header or description cut to one line for the short usage: its first sentence, at
   * most 66 characters.
   */
  static String summary(CommandLine.Model.CommandSpec command) {
    String[] d = command.usageMessage().header(); // picocli's help command has one
    if (d.length == 0) {
      d = command.usageMessage().description();
    }
    String text = d.length == 0 ? "" : d[0].strip();
    int end = text.indexOf(". ");
    if (end >= 0) {
      text = text.substring(0, end);
    } else if (text.endsWith(".")) {
      text = text.substring(0, text.length() - 1);
    }
    if (text.length() > 66) {
      int cut = text.lastIndexOf(' ', 63);
      text = text.substring(0, cut > 0 ? cut : 63).replaceFirst("[,;:]$", "") + "...";
    }
    return text;
  }

  static String message(Exception e) {
    if (e instanceof ClusterStateFileException
        || e instanceof DatabaseException
        || e instanceof HistoryOrderException
        || e instanceof IllegalArgumentException
        || e instanceof IOException
        || e instanceof UncheckedIOException) {
      return e.getMessage();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = EgressAuditCommand.class.getPackage().getImplementationVersion();
      return new String[] {"egress-audit " + (v == null ? "development build" : v)};
    }
  }
}
