package io.egressaudit.server.cli;

import io.egressaudit.controller.ClusterStateFileException;
import io.egressaudit.sql.DatabaseException;
import io.egressaudit.sql.HistoryOrderException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
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
      CommandLine.HelpCommand.class
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
   * is one line; picocli's own usage errors add where to find help.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new EgressAuditCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
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
