package io.egressaudit.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --forwarded-header} takes the two headers a proxy may write, nothing else. */
class ServeForwardedHeaderTest {

  @TempDir Path dir;

  @Test
  void anUnknownHeaderIsWrongUsageNamingTheChoices() {
    StringWriter err = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(err));

    int code =
        cl.execute(
            "serve",
            "--forwarded-header",
            "x-real-ip",
            "--db",
            dir.resolve("audit.db").toString(),
            "--listen",
            "127.0.0.1:0",
            "--api",
            "127.0.0.1:0");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString().lines().findFirst().orElseThrow())
        .contains("--forwarded-header")
        .contains("x-real-ip")
        .contains("x-forwarded-for or forwarded");
    assertThat(dir.resolve("audit.db")).doesNotExist();
  }

  @Test
  void helpSaysTheDefaultIsXForwardedFor() {
    String usage = EgressAuditCommand.commandLine().getSubcommands().get("serve").getUsageMessage();

    assertThat(usage).contains("--forwarded-header=x-forwarded-for|forwarded");
    assertThat(usage.replaceAll("\\s+", " ")).contains("Default: x-forwarded-for");
  }
}
