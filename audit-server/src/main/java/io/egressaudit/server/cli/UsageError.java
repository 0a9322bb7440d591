package io.egressaudit.server.cli;

import io.egressaudit.server.UnknownClusterException;
import io.egressaudit.server.UnknownOwnerException;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Wrong usage a command finds only while it runs: options that do not go together, or a value
 * picocli cannot check alone (a cluster the database has no history of, a source IP). Like
 * picocli's own usage errors it exits 2; it prints one line, {@code egress-audit <cmd>: message},
 * without the pointer to {@code --help}, since the command line itself parsed.
 */
final class UsageError extends ParameterException {

  private static final long serialVersionUID = 1L;

  /**
   * @param spec the command that found it
   * @param message what is wrong, naming the option and the value
   */
  UsageError(CommandSpec spec, String message) {
    super(spec.commandLine(), message);
  }

  /**
   * Runs a step whose {@link IllegalArgumentException} can only mean a wrong option value (such as
   * checking a source IP, or selecting a cluster by name) and turns it into a usage error.
   *
   * @param spec the running command
   * @param step the step
   * @return what the step returns
   * @throws UsageError with the message of the step's {@link IllegalArgumentException}
   */
  static <T> T of(CommandSpec spec, Supplier<T> step) {
    try {
      return step.get();
    } catch (IllegalArgumentException e) {
      throw new UsageError(spec, e.getMessage());
    }
  }

  /**
   * Runs a query that selects a cluster by {@code --cluster} (and owners by {@code --namespace},
   * {@code --egressip}, {@code --node}) and turns its {@link UnknownClusterException} or {@link
   * UnknownOwnerException} into a usage error; any other exception passes as a failure.
   *
   * @param spec the running command
   * @param query the query
   * @return what the query returns
   * @throws UsageError naming the unknown cluster and the clusters there are, or the unknown owner
   */
  static <T> T ofCluster(CommandSpec spec, Supplier<T> query) {
    try {
      return query.get();
    } catch (UnknownClusterException | UnknownOwnerException e) {
      throw new UsageError(spec, e.getMessage());
    }
  }
}
