package io.egressaudit.probes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xml.sax.SAXException;

/**
 * The three report formats from one fixed run: golden files for JUnit and JSON (update them by
 * running with {@code -Dgolden.update=true} and reviewing the diff), the JUnit file valid against
 * the JUnit schema, and the table for people.
 */
class ReportsTest {

  static final Path GOLDEN = Path.of("src/test/resources/reports");

  @TempDir Path dir;

  static String golden(String name, String actual) throws Exception {
    Path file = GOLDEN.resolve(name);
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  /** Validates JUnit XML against the schema shipped with the tests. */
  static void validateJunit(String xml) throws Exception {
    Validator v =
        SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI)
            .newSchema(ReportsTest.class.getResource("/junit.xsd"))
            .newValidator();
    v.validate(new StreamSource(new StringReader(xml)));
  }

  @Test
  void theJunitReportMatchesItsGoldenFileAndTheSchema() throws Exception {
    Path file = dir.resolve("out/probe.xml");
    ReportSpec.parse("junit:" + file).write(ReportFixtures.report());
    String xml = Files.readString(file);

    assertThat(xml).isEqualTo(golden("probe-report.xml", xml));
    assertThat(xml).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    validateJunit(xml);
  }

  @Test
  void theJunitReportEscapesFailureTextAndDropsCharactersXmlCannotHold() throws Exception {
    StringWriter w = new StringWriter();
    JunitReport.write(ReportFixtures.report(), new PrintWriter(w));
    String xml = w.toString();

    assertThat(xml)
        .contains("&lt;exec&gt; &amp; &quot;quotes&quot;? not allowed")
        .doesNotContain("\u0007")
        .contains("<error type=\"exec-failed\"")
        .contains("<failure type=\"wrong-source\"")
        .contains("<error type=\"no-ready-pod\"");
  }

  @Test
  void theTimestampKeepsItsSecondsWhenTheyAreZeroAsAntsSchemaRequires() throws Exception {
    StringWriter w = new StringWriter();
    JunitReport.write(
        new JunitReport.Suite(
            "egress-audit probe",
            "egress-audit probe demo",
            java.time.Instant.parse("2021-11-26T18:00:00.400Z"),
            java.time.Duration.ofSeconds(1),
            java.util.Map.of(),
            java.util.List.of(
                new JunitReport.Case(
                    "simpson", "egress-audit.probe.simpson", java.time.Duration.ZERO, null, null))),
        w);

    assertThat(w.toString()).contains("timestamp=\"2021-11-26T18:00:00\"");
    validateJunit(w.toString());
  }

  @Test
  void theSchemaRejectsATimestampWithoutSeconds() {
    assertThatThrownBy(
            () ->
                validateJunit(
                    "<testsuites><testsuite name=\"s\" tests=\"0\" failures=\"0\" errors=\"0\""
                        + " timestamp=\"2021-11-26T18:00\"/></testsuites>"))
        .isInstanceOf(SAXException.class);
  }

  @Test
  void theSchemaRejectsAReportThatIsNotJunit() {
    assertThatThrownBy(() -> validateJunit("<testsuites><testcase name=\"x\"/></testsuites>"))
        .isInstanceOf(SAXException.class);
    assertThatThrownBy(
            () ->
                validateJunit(
                    "<testsuites><testsuite name=\"s\" tests=\"one\" failures=\"0\""
                        + " errors=\"0\"/></testsuites>"))
        .isInstanceOf(SAXException.class);
  }

  @Test
  void theJsonReportMatchesItsGoldenFile() throws Exception {
    Path file = dir.resolve("probe.json");
    ReportSpec.parse("json:" + file).write(ReportFixtures.report());
    String json = Files.readString(file);

    assertThat(json).isEqualTo(golden("probe-report.json", json));
  }

  @Test
  void theTableHasOneRowPerResultAndSpellsOutWhatDidNotPassCleanly() {
    StringWriter w = new StringWriter();
    TableReport.write(ReportFixtures.report(), new PrintWriter(w));

    assertThat(w.toString().lines())
        .first()
        .asString()
        .matches("NAMESPACE\\s+POD\\s+NODE\\s+VERDICT\\s+EXPECTED\\s+OBSERVED\\s+ATTEMPTS");
    assertThat(w.toString())
        .contains(
            "simpson/marge-deployment-75474c9ff-jpkkv: wrong-source: still wrong-source after 2 attempts")
        .contains("pass (after retries)")
        .contains(
            "springfield/bart-0: pass: passed after 2 attempts, 1.4 s (earlier: wrong-source)")
        .contains("note: a note about the run")
        .contains("3 of 6 passed; failing: 1 exec-failed, 1 no-ready-pod, 1 wrong-source");
  }

  @Test
  void anUnknownReportFormatIsRefusedWithTheFormatsThereAre() {
    assertThatThrownBy(() -> ReportSpec.parse("html:x.html"))
        .hasMessage("--report 'html:x.html': unknown format 'html' (junit or json)");
    assertThatThrownBy(() -> ReportSpec.parse("probe.xml")).hasMessageContaining("FORMAT:FILE");
  }
}
