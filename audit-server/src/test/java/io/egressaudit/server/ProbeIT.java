package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.controller.informer.KubeconfigClusters;
import io.egressaudit.server.cli.EgressAuditCommand;
import io.egressaudit.server.http.ListenerSettings;
import io.egressaudit.server.http.TrustedProxies;
import io.egressaudit.sql.Database;
import io.egressaudit.sql.HitWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code egress-audit probe} end to end: the bundled loopback cluster in a fabric8 mock API server,
 * a real audit server watching it, and pod exec answered by real curl/wget sent from the loopback
 * address the fixture gives each pod (its egress IP or node IP), as the cluster's SNAT would.
 */
class ProbeIT {

  static final String EGRESS_IP = "127.0.0.100";
  static final String SL79N = "127.0.0.51";
  static final String HOMER = "homer-deployment-5b7857cc48-fs2w4";

  @TempDir Path dir;

  ExecMockCluster cluster;
  LoopbackSnat snat = new LoopbackSnat();
  AuditServer server;
  Path kubeconfig;

  @BeforeEach
  void cluster() throws Exception {
    cluster = new ExecMockCluster().load(Path.of("../examples/loopback/cluster.yaml")).onExec(snat);
    kubeconfig = cluster.kubeconfig(dir);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    cluster.close();
  }

  /** Starts the audit server watching the mock cluster, once the fixture has changed it. */
  void startServer() throws Exception {
    server =
        AuditServer.start(
            new AuditServer.Config(
                List.of(new HostPort("127.0.0.1", 0)),
                new HostPort("127.0.0.1", 0),
                Database.at(dir.resolve("audit.db")),
                HitWriter.Settings.DEFAULT,
                ListenerSettings.DEFAULT,
                null,
                Map.of(),
                false,
                10,
                TrustedProxies.of(List.of()),
                null,
                KubeconfigClusters.select(kubeconfig, List.of("loopback")),
                null));
    server.watchers().get(0).synced().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  record Run(int exitCode, String out, String err) {}

  Run probe(String... extra) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "probe",
            "--kubeconfig",
            kubeconfig.toString(),
            "--context",
            "loopback",
            "--target",
            "http://127.0.0.1:" + server.hitPorts().get(0),
            "--api",
            "http://127.0.0.1:" + server.apiPort()));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void aNamespaceLeavingWithItsEgressIpPassesAndExitsZero() throws Exception {
    snat.from("simpson", HOMER, EGRESS_IP);
    startServer();

    Run run = probe();

    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out())
        .containsPattern("simpson\\s+" + HOMER + "\\s+ocp-8vr6j-worker-0-sl79n\\s+pass\\s+")
        .contains("127.0.0.100 (egressip-demo)")
        .contains("1 of 1 passed");
    assertThat(snat.requests("simpson", HOMER)).isEqualTo(1);
  }
}
