package io.egressaudit.probes.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressaudit.correlator.EgressIpAssignment;
import io.egressaudit.correlator.PodRef;
import io.egressaudit.correlator.drill.DrillLimits;
import io.egressaudit.correlator.drill.DrillProbe;
import io.egressaudit.correlator.drill.DrillProbe.Arrival;
import io.egressaudit.correlator.drill.DrillTimeline;
import io.egressaudit.correlator.drill.DrillTrigger;
import io.egressaudit.correlator.drill.EgressIpStatus;
import io.egressaudit.correlator.drill.FailoverAnalysis;
import io.egressaudit.correlator.drill.FailoverReport;
import io.egressaudit.correlator.drill.NodeChange;
import io.egressaudit.probes.ProbeTarget;
import io.egressaudit.probes.ReportSpec;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drill's machine reports from one fixed drill (the walkthrough's failover: the label goes at 5
 * s, nobody holds the IP from 6 s to 10.5 s, then the other node; one probe leaks from the old
 * node's IP after the move): golden files for JSON and JUnit (update with {@code
 * -Dgolden.update=true} and review the diff), the JUnit file valid against the JUnit schema.
 */
class FailoverDrillReportTest {

  static final Path GOLDEN = Path.of("src/test/resources/reports");
  static final String EIP = "192.168.126.100";
  static final String A = "ocp-8vr6j-worker-0-sl79n";
  static final String B = "ocp-8vr6j-worker-0-82t6f";
  static final String A_IP = "192.168.126.51";
  static final Instant T0 = Instant.parse("2021-11-26T18:00:00Z");
  static final PodRef HOMER = new PodRef("simpson", "homer-deployment-5b7857cc48-fs2w4");
  static final PodRef MARGE = new PodRef("simpson", "marge-deployment-75474c9ff-jpkkv");
  static final DrillLimits LIMITS =
      new DrillLimits(Duration.ofSeconds(1), Duration.ofSeconds(60), 5);

  @TempDir Path dir;

  static Instant at(double seconds) {
    return T0.plusMillis(Math.round(seconds * 1000));
  }

  static DrillProbe probe(PodRef pod, String node, double s, String leakFrom) {
    if (leakFrom != null) {
      return new DrillProbe(
          pod, node, at(s), Arrival.ARRIVED, leakFrom, Set.of(EIP), "node IP of " + A, null);
    }
    boolean held = s < 6 || s >= 10.5;
    return held
        ? new DrillProbe(
            pod, node, at(s), Arrival.ARRIVED, EIP, Set.of(EIP), "EgressIP egressip-demo", null)
        : new DrillProbe(pod, node, at(s), Arrival.NOT_ARRIVED, null, Set.of(EIP), null, null);
  }

  static FailoverDrill.Outcome outcome(boolean labelBack) {
    List<DrillProbe> probes = new ArrayList<>();
    for (int i = 0; i <= 20; i++) {
      probes.add(probe(HOMER, A, i + 0.25, i == 12 ? A_IP : null));
      probes.add(probe(MARGE, B, i + 0.5, null));
    }
    DrillTimeline t =
        new DrillTimeline(
            "egressip-demo",
            List.of("simpson"),
            T0,
            at(21),
            new DrillTrigger(at(5), A, "removed label k8s.ovn.org/egress-assignable"),
            List.of(
                new EgressIpStatus(at(0), List.of(new EgressIpAssignment(EIP, A))),
                new EgressIpStatus(at(6), List.of()),
                new EgressIpStatus(at(10.5), List.of(new EgressIpAssignment(EIP, B)))),
            List.of(new NodeChange(at(5.01), A, NodeChange.Kind.LABEL_REMOVED)),
            probes);
    return new FailoverDrill.Outcome(
        FailoverAnalysis.analyze(t, LIMITS),
        List.of(
            new DrillPod(new ProbeTarget("simpson", HOMER.name(), "homer", A), true),
            new DrillPod(new ProbeTarget("simpson", MARGE.name(), "marge", B), false)),
        A,
        labelBack ? at(20.9) : null,
        labelBack ? null : "nodes \"" + A + "\" is forbidden: cannot patch",
        false,
        null,
        true);
  }

  static FailoverDrillReport report(boolean labelBack) {
    return new FailoverDrillReport(
        "ocp", "http://192.168.126.1:8080", "http://127.0.0.1:9090", LIMITS, outcome(labelBack));
  }

  static String golden(String name, String actual) throws Exception {
    Path file = GOLDEN.resolve(name);
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  @Test
  void theJsonReportMatchesItsGoldenFileAndStartsWithTheProbeReportsKeys() throws Exception {
    Path file = dir.resolve("drill.json");
    ReportSpec.parse("json:" + file).write(report(true));
    String json = Files.readString(file);

    assertThat(json).isEqualTo(golden("drill-report.json", json));
    assertThat(json)
        .startsWith(
            "{\n  \"report\" : \"egress-audit-drill-failover\",\n  \"version\" : 1,\n"
                + "  \"cluster\" : \"ocp\",");
  }

  @Test
  void theJunitReportHasACasePerNamespaceAndPerCheckAndIsValidJunit() throws Exception {
    Path file = dir.resolve("out/drill.xml");
    ReportSpec.parse("junit:" + file).write(report(true));
    String xml = Files.readString(file);

    assertThat(xml).isEqualTo(golden("drill-report.xml", xml));
    SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
        .newSchema(getClass().getResource("/junit.xsd"))
        .newValidator()
        .validate(new StreamSource(new StringReader(xml)));
    assertThat(xml)
        .contains("<testsuites name=\"egress-audit drill failover\" tests=\"4\" failures=\"1\"")
        .contains("<testcase name=\"simpson\"")
        .contains("<failure type=\"leak\" message=\"1 probe leaked: simpson: 1 from " + A_IP);
  }

  @Test
  void aLabelNotPutBackFailsTheReportAsAnError() throws Exception {
    FailoverDrillReport r = report(false);
    java.io.StringWriter xml = new java.io.StringWriter();
    r.junit(xml);

    assertThat(r.passed()).isFalse();
    assertThat(r.failures())
        .last()
        .asString()
        .startsWith("label k8s.ovn.org/egress-assignable NOT put back on " + A);
    assertThat(r.tree().path("label").path("error").asString()).contains("forbidden");
    assertThat(xml.toString()).contains("<error type=\"label-not-restored\"");
  }

  @Test
  void aNamespaceThatDidNotSettleBecauseTheStatusNeverMovedFailsAsNotSettled() throws Exception {
    List<DrillProbe> probes = new ArrayList<>();
    for (int i = 0; i <= 10; i++) {
      probes.add(
          new DrillProbe(
              HOMER, A, at(i), Arrival.ARRIVED, EIP, Set.of(EIP), "EgressIP egressip-demo", null));
    }
    DrillTimeline t =
        new DrillTimeline(
            "egressip-demo",
            List.of("simpson"),
            T0,
            at(11),
            new DrillTrigger(at(2), A, "removed label k8s.ovn.org/egress-assignable"),
            List.of(new EgressIpStatus(at(0), List.of(new EgressIpAssignment(EIP, A)))),
            List.of(),
            probes);
    FailoverDrillReport r =
        new FailoverDrillReport(
            "ocp",
            "http://192.168.126.1:8080",
            "http://127.0.0.1:9090",
            LIMITS,
            new FailoverDrill.Outcome(
                FailoverAnalysis.analyze(t, LIMITS),
                List.of(new DrillPod(new ProbeTarget("simpson", HOMER.name(), "homer", A), true)),
                A,
                at(10.9),
                null,
                false,
                null,
                true));
    java.io.StringWriter xml = new java.io.StringWriter();
    r.junit(xml);

    assertThat(r.tree().path("namespaces").get(0).path("settled").asBoolean(true)).isFalse();
    assertThat(xml.toString())
        .contains(
            "<failure type=\"not-settled\" message=\"simpson: did not settle: the status of"
                + " EgressIP egressip-demo never moved\"");
    assertThat(r.failures())
        .contains("simpson: did not settle: the status of EgressIP egressip-demo never moved");
  }

  @Test
  void theLabelPutBackIsInTheTimelineBeforeTheDrillsEnd() {
    List<String> whats =
        report(true).timeline().stream().map(FailoverReport.TimelineEntry::what).toList();

    assertThat(whats)
        .endsWith("label k8s.ovn.org/egress-assignable put back on " + A, "drill ended");
    assertThat(report(true).tree().path("timeline").get(whats.size() - 2).path("what").asString())
        .startsWith("label k8s.ovn.org/egress-assignable put back on");
  }
}
