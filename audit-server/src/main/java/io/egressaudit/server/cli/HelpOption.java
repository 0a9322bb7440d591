package io.egressaudit.server.cli;

import picocli.CommandLine.Option;

/**
 * {@code -h, --help} for a subcommand. Picocli does not pass the top command's standard help
 * options down, and {@code mixinStandardHelpOptions} would also give each subcommand a {@code
 * --version} without a version to print.
 */
final class HelpOption {

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;
}
