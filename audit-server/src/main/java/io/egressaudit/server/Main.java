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
    boolean serving = args.length > 0 && args[0].equals("serve");
    if (!serving && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      // one-shot commands print their own results; progress logs would only clutter stderr
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    int code = EgressAuditCommand.commandLine().execute(args);
    if (code != 0 || !serving) {
      System.exit(code);
    }
  }
}
