package io.egressaudit.server;

import io.egressaudit.server.cli.EgressAuditCommand;

/** The launcher: {@code java -jar egress-audit.jar <command>}. */
public final class Main {

  private Main() {}

  /**
   * Runs a command and exits with its code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    int code = EgressAuditCommand.commandLine().execute(args);
    if (code != 0 || !(args.length > 0 && args[0].equals("serve"))) {
      System.exit(code);
    }
  }
}
