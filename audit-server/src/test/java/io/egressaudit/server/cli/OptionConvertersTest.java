package io.egressaudit.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.AttributionKind;
import io.egressaudit.probes.ReportSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.TypeConversionException;

/**
 * Every option value is read by a converter as picocli parses the line: a wrong one is wrong usage
 * (exit 2) whose first line names the command, the option and the value, before anything opens a
 * database, a cluster or a port.
 */
class OptionConvertersTest {

  @TempDir Path dir;

  private record Run(int code, List<String> err) {}

  private Run run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--db", dir.resolve("audit.db").toString()));
    StringWriter err = new StringWriter();
    var cl = EgressAuditCommand.commandLine();
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, err.toString().lines().toList());
  }

  static Stream<Arguments> wrongValues() {
    return Stream.of(
        Arguments.of("probe --retry-for soon", "--retry-for", "'soon' is not a duration"),
        Arguments.of("probe --exec-timeout 1s", "--exec-timeout", "'1s' is less than 2s"),
        Arguments.of("probe --parallel 0", "--parallel", "'0' is less than 1"),
        Arguments.of("probe --parallel many", "--parallel", "'many' is not a whole number"),
        Arguments.of(
            "probe --target ftp://bastion/", "--target", "'ftp://bastion/' must be an http(s) URL"),
        Arguments.of("probe --api http://a^b:9090", "--api", "'http://a^b:9090' is not a URL"),
        Arguments.of(
            "probe --report html:x.html",
            "--report",
            "'html:x.html': unknown format 'html' (junit or json)"),
        Arguments.of("probe --report probe.xml", "--report", "'probe.xml': expected FORMAT:FILE"),
        Arguments.of(
            "probe --report junit:/proc/probe.xml",
            "--report",
            "'junit:/proc/probe.xml': cannot write in directory /proc ("),
        Arguments.of(
            "drill failover --report json:/proc/no/drill.json",
            "--report",
            "'json:/proc/no/drill.json': cannot write in directory /proc ("),
        Arguments.of("probe --report junit:/tmp", "--report", "'junit:/tmp': /tmp is a directory"),
        Arguments.of("drill failover --interval 0s", "--interval", "'0s' is zero"),
        Arguments.of(
            "drill failover --max-outage long", "--max-outage", "'long' is not a duration"),
        Arguments.of("drill failover --settle 0", "--settle", "'0' is less than 1"),
        Arguments.of("drill failover --timeout 5x", "--timeout", "'5x' is not a duration"),
        Arguments.of(
            "drill failover --exec-timeout 500ms", "--exec-timeout", "'500ms' is less than 2s"),
        Arguments.of("drill failover --parallel -1", "--parallel", "'-1' is less than 1"),
        Arguments.of(
            "serve --cluster-state prod=", "--cluster-state", "'prod=': no FILE (expected [NAME=]"),
        Arguments.of(
            "serve --trusted-proxy proxy.local",
            "--trusted-proxy",
            "'proxy.local' is not a CIDR like 10.0.0.0/8"),
        Arguments.of(
            "serve --request-timeout 500ms", "--request-timeout", "'500ms' is less than 1s"),
        Arguments.of("serve --queue 0", "--queue", "'0' is less than 1"),
        Arguments.of("serve --batch 0", "--batch", "'0' is less than 1"),
        Arguments.of("serve --batch-delay -5", "--batch-delay", "'-5' is negative"),
        Arguments.of("serve --event-loops -1", "--event-loops", "'-1' is negative"),
        Arguments.of("serve --max-connections 0", "--max-connections", "'0' is less than 1"),
        Arguments.of(
            "serve --api-max-connections 99999999999",
            "--api-max-connections",
            "'99999999999' is too large"),
        Arguments.of("serve --rescan often", "--rescan", "'often' is not a duration"),
        Arguments.of("hits --kind leak", "--kind", "'leak' is not a kind (egress-ip,"),
        Arguments.of("hits --limit 0", "--limit", "'0' is not between 1 and 10000"),
        Arguments.of("hits --limit 10001", "--limit", "'10001' is not between 1 and 10000"),
        Arguments.of("hits --limit ten", "--limit", "'ten' is not a whole number"),
        Arguments.of(
            "serve --listen 127.0.0.1:80800",
            "--listen",
            "'127.0.0.1:80800': port 80800 is out of range 1-65535"),
        Arguments.of(
            "serve --api [::1]:99999999999",
            "--api",
            "'[::1]:99999999999': port 99999999999 is out of range 1-65535"),
        Arguments.of("serve --api 127.0.0.1:http", "--api", "'127.0.0.1:http' is not HOST:PORT"),
        Arguments.of("serve --listen 999.1.1.1:80", "--listen", "999.1.1.1 is not an IPv4 address"),
        Arguments.of("serve --api 127.1:9090", "--api", "127.1 is not an IPv4 address"),
        Arguments.of("serve --listen 010.0.0.1:80", "--listen", "010.0.0.1 is not an IPv4"),
        Arguments.of("serve --listen [::g]:80", "--listen", "[::g] is not an IPv6 address"),
        Arguments.of(
            "serve --api [fe80::1%eth0]:80", "--api", "[fe80::1%eth0] is not an IPv6 address"),
        Arguments.of("serve --listen []:80", "--listen", "'[]:80' is not HOST:PORT"),
        Arguments.of("serve --listen bad_host:80", "--listen", "'bad_host' is not an IP address"),
        Arguments.of("hits --ip 1.2.3", "--ip", "not an IP address: '1.2.3'"),
        Arguments.of("whois fe80::1%eth0", "(IP)", "'fe80::1%eth0' has a zone (%...): a source"),
        Arguments.of("timeline fe80::1%eth0", "(IP)", "'fe80::1%eth0' has a zone (%...)"),
        Arguments.of("hits --ip fe80::1%eth0", "--ip", "'fe80::1%eth0' has a zone (%...)"),
        Arguments.of("timeline 10.0.0.0/33", "(IP)", "'10.0.0.0/33' is not a CIDR"),
        Arguments.of("whois 10.0.0.0/33", "(IP)", "'10.0.0.0/33' is not a CIDR"),
        Arguments.of("timeline 10.0.0.1 --cluster ", "--cluster", "the cluster name is empty"),
        Arguments.of(
            "whois 10.0.0.1 --cluster c\u0001x",
            "--cluster",
            "the cluster name 'c\\x01x' has the character U+0001; a cluster name may have letters"
                + " a-z A-Z, digits 0-9 and - . _ : / @"),
        Arguments.of("timeline 10.0.0.1 --cluster prod#eu", "--cluster", "has the character '#'"),
        Arguments.of(
            "serve --cluster-state c\u001b[31m=x.yaml",
            "--cluster-state",
            "the cluster name 'c\\x1B[31m' has the character U+001B"),
        Arguments.of("prune --older-than 1d --batch 0", "--batch", "'0' is less than 1"),
        Arguments.of(
            "prune --older-than 5000000d",
            "--older-than",
            "'5000000d' is longer than the time since 1970 ("),
        Arguments.of(
            "serve --retention 999999999d",
            "--retention",
            "'999999999d' is longer than the time since 1970 ("),
        Arguments.of(
            "serve --idle-timeout 30000d",
            "--idle-timeout",
            "'30000d' is longer than the time since 1970 ("),
        Arguments.of(
            "hits --since 30000d", "--since", "'30000d' is longer than the time since 1970 ("),
        Arguments.of(
            "hits --since 30",
            "--since",
            "'30': a bare number is a Unix time in seconds (1970-01-01T00:00:30Z); for 30 days"
                + " ago write 30d"),
        Arguments.of("hits --until 7", "--until", "'7': a bare number is a Unix time in seconds"),
        Arguments.of("sources simpson --since 90", "--since", "'90': a bare number is a Unix"),
        Arguments.of("whois 10.0.0.1 --at 1637948", "--at", "'1637948': a bare number is a Unix"),
        Arguments.of("timeline 10.0.0.1 --since 2", "--since", "'2': a bare number is a Unix"),
        Arguments.of("anomalies --since 5", "--since", "'5': a bare number is a Unix"),
        Arguments.of("anomalies --until 5", "--until", "'5': a bare number is a Unix"),
        Arguments.of("cluster import x.yaml --at 30", "--at", "'30': a bare number is a Unix time"),
        Arguments.of(
            "whois 10.0.0.1 --at 2021-11-26~12:53:13",
            "--at",
            "'2021-11-26 12:53:13' is not a time"),
        Arguments.of(
            "hits --since -5m",
            "--since",
            "'-5m' has a sign: a duration counts back from now, so write 5m"),
        Arguments.of(
            "import-log access.log --trusted-proxy 10.0.0.0/33",
            "--trusted-proxy",
            "'10.0.0.0/33' is not a CIDR"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wrongValues")
  void aWrongValueIsWrongUsageNamingTheOptionAndTheValue(
      String line, String option, String problem) {
    // "~" stands for a space inside one argument, as a shell passes "2021-11-26 12:53:13"
    List<String> args =
        new ArrayList<>(Stream.of(line.split(" ")).map(a -> a.replace('~', ' ')).toList());
    if (line.endsWith(" ")) {
      args.add("");
    }
    String command =
        line.startsWith("drill ") || line.startsWith("cluster ")
            ? args.get(0) + " " + args.get(1)
            : args.get(0);

    Run r = run(args.toArray(String[]::new));

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err().get(0))
        .startsWith("egress-audit " + command + ": ")
        .contains(option)
        .contains(problem);
    assertThat(r.err()).as("the error, then where to find help").hasSize(2);
    assertThat(dir.resolve("audit.db")).as("nothing opened the database").doesNotExist();
  }

  @Test
  void aReportUnderARegularFileIsWrongUsageBeforeTheRun() throws IOException {
    Path notADir = Files.writeString(dir.resolve("out"), "a file\n");
    String report = "junit:" + notADir.resolve("probe.xml");

    Run r = run("probe", "--report", report);

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err().get(0))
        .startsWith("egress-audit probe: ")
        .contains("--report")
        .contains("'" + report + "': " + notADir + " is not a directory");
  }

  @Test
  void aPolicyFileIsLoadedAsTheOptionIsReadAndItsErrorNamesFileLineAndField() throws IOException {
    Path policy =
        Files.writeString(
            dir.resolve("policy.yaml"),
            "namespaces:\n  simpson:\n    allow: [192.168.126.100]\n    mustNotArive: true\n");

    Run r = run("probe", "--policy", policy.toString());

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err().get(0))
        .isEqualTo(
            "egress-audit probe: Invalid value for option '--policy': "
                + policy
                + ":4: namespaces.simpson.mustNotArive: unknown key (expected allow or"
                + " mustNotArrive)");
  }

  @Test
  void aMissingPolicyFileIsWrongUsageNamingTheFile() {
    Path missing = dir.resolve("no-policy.yaml");

    Run r = run("probe", "--policy", missing.toString());

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err().get(0)).contains("'--policy'").endsWith(missing + ": no such file");
  }

  @Test
  void aGoodPolicyIsHandedToTheCommandWithItsFile() throws IOException {
    Path policy =
        Files.writeString(
            dir.resolve("policy.yaml"), "namespaces:\n  flanders:\n    mustNotArrive: true\n");

    PolicyOption read = new Converters.Policy().convert(policy.toString());

    assertThat(read.file()).isEqualTo(policy);
    assertThat(read.policy().namespaces()).containsOnlyKeys("flanders");
  }

  @Test
  void aNonLoopbackApiWithoutATokenIsWrongUsageBeforeAnythingStarts() {
    Run r = run("serve", "--api", "0.0.0.0:0", "--listen", "127.0.0.1:0");

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err())
        .containsExactly(
            "egress-audit serve: --api 0.0.0.0:0 is not loopback: set a bearer token with"
                + " --api-token-file or EGRESS_AUDIT_API_TOKEN, or bind the API to 127.0.0.1");
    assertThat(dir.resolve("audit.db")).doesNotExist();
  }

  @Test
  void aQuietAfterShorterThanASecondIsWrongUsageBeforeAnythingStarts() {
    Run r =
        run("serve", "--quiet-after", "500ms", "--api", "127.0.0.1:0", "--listen", "127.0.0.1:0");

    assertThat(r.code()).as("%s", r).isEqualTo(2);
    assertThat(r.err())
        .containsExactly(
            "egress-audit serve: --quiet-after 500ms is shorter than 1s, the step it is told in");
    assertThat(dir.resolve("audit.db")).doesNotExist();
  }

  @Test
  void durationsTakeAUnitOrABareNumberOfSeconds() {
    Converters.DurationValue d = new Converters.DurationValue();

    assertThat(d.convert("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(d.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(d.convert("90d")).isEqualTo(Duration.ofDays(90));
    assertThat(d.convert("15")).isEqualTo(Duration.ofSeconds(15));
    assertThat(new Converters.ExecTimeout().convert("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(new Converters.RequestTimeout().convert("1s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(new Converters.PositiveDuration().convert("1ms")).isEqualTo(Duration.ofMillis(1));
    assertThatThrownBy(() -> d.convert("-1s"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'-1s' is negative: a duration has no sign (write 1s)");
    assertThatThrownBy(() -> d.convert("soon"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("a bare number is seconds");
  }

  @Test
  void aClusterStateWithoutANameIsTheDefaultCluster() {
    Converters.ClusterState c = new Converters.ClusterState();

    assertThat(c.convert("prod=/var/lib/prod.yaml"))
        .isEqualTo(new ClusterStateOption("prod", Path.of("/var/lib/prod.yaml")));
    assertThat(c.convert("cluster.yaml"))
        .isEqualTo(new ClusterStateOption("default", Path.of("cluster.yaml")));
  }

  @Test
  void clusterNamesOfKubeconfigContextsAreAccepted() {
    ClusterNameConverter names = new ClusterNameConverter();
    for (String name :
        java.util.List.of(
            "prod",
            "default/api-ocp-example-com:6443/kube:admin",
            "gke_project_europe-west1_c1",
            "admin@Prod.2")) {
      assertThat(names.convert(name)).isEqualTo(name);
    }
  }

  @Test
  void valuesArriveTyped() {
    assertThat(new Converters.SourceIpText().convert("::ffff:192.168.126.100"))
        .isEqualTo("192.168.126.100");
    assertThat(new Converters.Kind().convert("egress-ip-unassigned"))
        .isEqualTo(AttributionKind.EGRESS_IP_UNASSIGNED);
    assertThat(new Converters.Report().convert("junit:out/probe.xml"))
        .isEqualTo(new ReportSpec(ReportSpec.Format.JUNIT, Path.of("out/probe.xml")));
    assertThat(new Converters.HttpUrl().convert("https://bastion:9090"))
        .isEqualTo(URI.create("https://bastion:9090"));
    assertThat(new Converters.TrustedProxy().convert("2001:db8::/32")).isEqualTo("2001:db8::/32");
    assertThat(new Converters.NotNegative().convert("0")).isZero();
    assertThat(new Converters.Micros().convert("500")).isEqualTo(500L);
  }
}
