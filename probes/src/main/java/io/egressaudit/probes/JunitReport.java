package io.egressaudit.probes;

import io.egressaudit.correlator.probe.ObservedSource;
import java.io.Writer;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 */
public final class JunitReport {

  private JunitReport() {}

  /**
   * Writes the report.
   *
   * @param report the run
   * @param out where to; not closed
   * @throws IllegalStateException when the XML writer fails
   */
  public static void write(ProbeReport report, Writer out) {
    try {
      XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
      x.writeStartDocument("UTF-8", "1.0");
      x.writeCharacters("\n");
      String tests = Integer.toString(report.results().size());
      String failures = Integer.toString(report.failedCount());
      String errors = Integer.toString(report.uncheckedCount());
      String time = seconds(Duration.between(report.startedAt(), report.finishedAt()));
      x.writeStartElement("testsuites");
      x.writeAttribute("name", "egress-audit probe");
      x.writeAttribute("tests", tests);
      x.writeAttribute("failures", failures);
      x.writeAttribute("errors", errors);
      x.writeAttribute("time", time);
      x.writeCharacters("\n  ");
      x.writeStartElement("testsuite");
      x.writeAttribute("name", "egress-audit probe " + clean(report.cluster()));
      x.writeAttribute("tests", tests);
      x.writeAttribute("failures", failures);
      x.writeAttribute("errors", errors);
      x.writeAttribute("skipped", "0");
      x.writeAttribute("time", time);
      x.writeAttribute(
          "timestamp",
          LocalDateTime.ofInstant(
                  report.startedAt().truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC)
              .toString());
      x.writeCharacters("\n    ");
      x.writeStartElement("properties");
      property(x, "cluster", report.cluster());
      property(x, "target", report.target());
      property(x, "api", report.api());
      property(x, "policy", report.policy() == null ? "" : report.policy());
      x.writeCharacters("\n    ");
      x.writeEndElement();
      for (ProbeResult r : report.results()) {
        testcase(x, r);
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

  private static void testcase(XMLStreamWriter x, ProbeResult r) throws XMLStreamException {
    x.writeCharacters("\n    ");
    x.writeStartElement("testcase");
    x.writeAttribute("name", clean(r.name()));
    x.writeAttribute("classname", clean("egress-audit.probe." + r.namespace()));
    x.writeAttribute("time", seconds(r.elapsed()));
    String details = details(r);
    if (!r.passed()) {
      x.writeCharacters("\n      ");
      x.writeStartElement(r.verdict().verdict().unchecked() ? "error" : "failure");
      x.writeAttribute("type", r.verdict().verdict().toString());
      x.writeAttribute("message", clean(r.verdict().message()));
      x.writeCharacters(clean(details));
      x.writeEndElement();
    } else {
      x.writeCharacters("\n      ");
      x.writeStartElement("system-out");
      x.writeCharacters(
          clean(r.verdict().verdict() + ": " + r.verdict().message() + "\n" + details));
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

  /** Replaces what XML 1.0 cannot hold (control characters but tab, CR, LF; lone surrogates). */
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
