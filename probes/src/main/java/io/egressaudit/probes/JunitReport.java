package io.egressaudit.probes;

import io.egressaudit.correlator.probe.ObservedSource;
import java.io.Writer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * The JUnit XML report of a probe run ({@code --report junit:FILE}), as CI servers read it: an XML
 * declaration, a {@code <testsuites>} root holding one {@code <testsuite>} for the cluster, and one
 * {@code <testcase>} per pod probed (or per namespace without a pod), named {@code namespace/pod},
 * class {@code egress-audit.probe.NAMESPACE}.
 *
 * <p>A verdict that checked the egress and failed ({@code wrong-source}, {@code not-arrived},
 * {@code got-through}, {@code egress-ip-unassigned}) is a {@code <failure>}; one that could not
 * check it ({@code exec-failed}, {@code no-http-client}, {@code no-ready-pod}, {@code
 * inconclusive}) is an {@code <error>}. Both carry the verdict as {@code type} and its message; the
 * text lists the expectation and every attempt. Text is escaped by the XML writer, and characters
 * XML 1.0 cannot hold (control characters from a pod's output) are replaced with {@code ?}. Times
 * are seconds; the timestamp is UTC without zone, as JUnit writes it.
 *
 * <p>{@link #write(Suite, Writer)} writes any suite in this form; {@code drill failover} uses it
 * for its namespaces and checks.
 */
public final class JunitReport {

  private JunitReport() {}

  /**
   * The suite's {@code timestamp}: UTC without zone, seconds always written ({@code
   * 2021-11-26T18:00:00}; {@code LocalDateTime.toString} drops zero seconds, which Ant's schema
   * refuses).
   */
  static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  /**
   * One {@code <testcase>}.
   *
   * @param name its name
   * @param className its {@code classname}
   * @param time how long it took
   * @param problem why it did not pass, or null when it passed
   * @param output the {@code <system-out>} text of a passing or skipped case, or null
   * @param skipped true for a case with nothing to check: written with {@code <skipped/>} (then
   *     {@code problem} is null)
   */
  public record Case(
      String name,
      String className,
      Duration time,
      Problem problem,
      String output,
      boolean skipped) {

    /** A case that was checked: passed ({@code problem} null) or not. */
    public Case(String name, String className, Duration time, Problem problem, String output) {
      this(name, className, time, problem, output, false);
    }
  }

  /**
   * Why a test case did not pass.
   *
   * @param error true for an {@code <error>} (the check could not be made), false for a {@code
   *     <failure>} (it was made and failed)
   * @param type the element's {@code type}, such as a verdict
   * @param message the element's {@code message}, one line
   * @param text the element's text, several lines
   */
  public record Problem(boolean error, String type, String message, String text) {}

  /**
   * One {@code <testsuite>} in its {@code <testsuites>} root.
   *
   * @param rootName the {@code <testsuites>} name, such as {@code egress-audit probe}
   * @param name the suite's name, such as {@code egress-audit probe CLUSTER}
   * @param startedAt its timestamp
   * @param time how long the run took
   * @param properties its {@code <properties>}, in order; null values are written empty
   * @param cases its test cases
   */
  public record Suite(
      String rootName,
      String name,
      Instant startedAt,
      Duration time,
      Map<String, String> properties,
      List<Case> cases) {}

  /**
   * Writes the report of a probe run.
   *
   * @param report the run
   * @param out where to; not closed
   * @throws IllegalStateException when the XML writer fails
   */
  public static void write(ProbeReport report, Writer out) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("cluster", report.cluster());
    properties.put("target", report.target());
    properties.put("api", report.api());
    properties.put("policy", report.policy());
    List<Case> cases = new ArrayList<>();
    for (ProbeResult r : report.results()) {
      String details = details(r);
      if (r.verdict().verdict().skipped()) {
        cases.add(
            new Case(
                r.name(),
                "egress-audit.probe." + r.namespace(),
                r.elapsed(),
                null,
                r.verdict().verdict() + ": " + r.verdict().message() + "\n",
                true));
        continue;
      }
      cases.add(
          new Case(
              r.name(),
              "egress-audit.probe." + r.namespace(),
              r.elapsed(),
              r.passed()
                  ? null
                  : new Problem(
                      r.verdict().verdict().unchecked(),
                      r.verdict().verdict().toString(),
                      r.verdict().message(),
                      details),
              r.passed()
                  ? r.verdict().verdict() + ": " + r.verdict().message() + "\n" + details
                  : null));
    }
    write(
        new Suite(
            "egress-audit probe",
            "egress-audit probe " + report.cluster(),
            report.startedAt(),
            Duration.between(report.startedAt(), report.finishedAt()),
            properties,
            cases),
        out);
  }

  /**
   * Writes one suite as a JUnit XML document.
   *
   * @param suite the suite
   * @param out where to; not closed
   * @throws IllegalStateException when the XML writer fails
   */
  public static void write(Suite suite, Writer out) {
    try {
      XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
      x.writeStartDocument("UTF-8", "1.0");
      x.writeCharacters("\n");
      String tests = Integer.toString(suite.cases().size());
      String failures =
          Long.toString(
              suite.cases().stream()
                  .filter(c -> c.problem() != null && !c.problem().error())
                  .count());
      String errors =
          Long.toString(
              suite.cases().stream()
                  .filter(c -> c.problem() != null && c.problem().error())
                  .count());
      String skipped = Long.toString(suite.cases().stream().filter(Case::skipped).count());
      String time = seconds(suite.time());
      x.writeStartElement("testsuites");
      x.writeAttribute("name", clean(suite.rootName()));
      x.writeAttribute("tests", tests);
      x.writeAttribute("failures", failures);
      x.writeAttribute("errors", errors);
      x.writeAttribute("time", time);
      x.writeCharacters("\n  ");
      x.writeStartElement("testsuite");
      x.writeAttribute("name", clean(suite.name()));
      x.writeAttribute("tests", tests);
      x.writeAttribute("failures", failures);
      x.writeAttribute("errors", errors);
      x.writeAttribute("skipped", skipped);
      x.writeAttribute("time", time);
      x.writeAttribute(
          "timestamp", TIMESTAMP.format(suite.startedAt().truncatedTo(ChronoUnit.SECONDS)));
      x.writeCharacters("\n    ");
      x.writeStartElement("properties");
      for (Map.Entry<String, String> p : suite.properties().entrySet()) {
        property(x, p.getKey(), p.getValue());
      }
      x.writeCharacters("\n    ");
      x.writeEndElement();
      for (Case c : suite.cases()) {
        testcase(x, c);
      }
      x.writeCharacters("\n  ");
      x.writeEndElement();
      x.writeCharacters("\n");
      x.writeEndElement();
      x.writeCharacters("\n");
      x.writeEndDocument();
      x.flush();
      x.close();
      out.flush();
    } catch (XMLStreamException | java.io.IOException e) {
      throw new IllegalStateException("cannot write the JUnit report: " + e.getMessage(), e);
    }
  }

  private static void testcase(XMLStreamWriter x, Case c) throws XMLStreamException {
    x.writeCharacters("\n    ");
    x.writeStartElement("testcase");
    x.writeAttribute("name", clean(c.name()));
    x.writeAttribute("classname", clean(c.className()));
    x.writeAttribute("time", seconds(c.time()));
    if (c.skipped()) {
      x.writeCharacters("\n      ");
      x.writeEmptyElement("skipped");
      if (c.output() != null) {
        x.writeAttribute("message", clean(c.output().strip()));
      }
    }
    if (c.problem() != null) {
      x.writeCharacters("\n      ");
      x.writeStartElement(c.problem().error() ? "error" : "failure");
      x.writeAttribute("type", clean(c.problem().type()));
      x.writeAttribute("message", clean(c.problem().message()));
      x.writeCharacters(clean(c.problem().text()));
      x.writeEndElement();
    } else if (c.output() != null) {
      x.writeCharacters("\n      ");
      x.writeStartElement("system-out");
      x.writeCharacters(clean(c.output()));
      x.writeEndElement();
    }
    x.writeCharacters("\n    ");
    x.writeEndElement();
  }

  /** The expectation and every attempt, one per line. */
  private static String details(ProbeResult r) {
    List<String> lines = new ArrayList<>();
    if (r.expectation() != null) {
      lines.add("expected: " + r.expectation().describe());
    }
    if (r.target() != null) {
      lines.add("pod: " + r.target().name() + " on node " + r.target().node());
    }
    int i = 1;
    for (ProbeAttempt a : r.attempts()) {
      List<String> seen = new ArrayList<>();
      for (ObservedSource s : a.observed()) {
        seen.add(s.ip() + " (" + s.owner() + ")");
      }
      lines.add(
          "attempt "
              + i++
              + " at "
              + a.startedAt()
              + ", probe id "
              + a.probeId()
              + ": "
              + a.verdict().verdict()
              + "; exec: "
              + a.exec().describe()
              + "; observed: "
              + (seen.isEmpty() ? "nothing" : String.join(", ", seen)));
    }
    if (r.attempts().isEmpty()) {
      lines.add(r.verdict().message());
    }
    return String.join("\n", lines) + "\n";
  }

  private static void property(XMLStreamWriter x, String name, String value)
      throws XMLStreamException {
    x.writeCharacters("\n      ");
    x.writeEmptyElement("property");
    x.writeAttribute("name", name);
    x.writeAttribute("value", clean(value == null ? "" : value));
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
  }

  /**
   * Replaces what XML 1.0 cannot hold (control characters but tab, CR, LF; lone surrogates) with
   * {@code ?}; null becomes empty.
   */
  static String clean(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok;
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
        continue;
      }
      ok =
          c == '\t'
              || c == '\n'
              || c == '\r'
              || (c >= 0x20 && c <= 0xD7FF)
              || (c >= 0xE000 && c <= 0xFFFD);
      b.append(ok ? c : '?');
    }
    return b.toString();
  }
}
