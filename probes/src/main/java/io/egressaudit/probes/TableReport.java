package io.egressaudit.probes;

import io.egressaudit.correlator.probe.ObservedSource;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The report for people, laid out as kubectl prints tables: one row per pod (or namespace without a
 * pod) with its verdict, expected and observed source IPs, then one line per result that did not
 * pass cleanly with its full message (leaving out {@code no-pods}, which is only counted), then a
 * summary line: passed of those checked, the failing verdicts, and the namespaces skipped.
 */
public final class TableReport {

  private TableReport() {}

  /**
   * Writes the table.
   *
   * @param report the run
   * @param out where to; flushed, not closed
   */
  public static void write(ProbeReport report, PrintWriter out) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {"NAMESPACE", "POD", "NODE", "VERDICT", "EXPECTED", "OBSERVED", "ATTEMPTS"});
    for (ProbeResult r : report.results()) {
      rows.add(
          new String[] {
            r.namespace(),
            r.target() == null ? null : r.target().pod(),
            r.target() == null ? null : r.target().node(),
            r.verdict().verdict() + (r.passedAfterRetries() ? " (after retries)" : ""),
            r.expectation() == null ? null : r.expectation().describe(),
            observed(r),
            r.attempts().isEmpty() ? null : Integer.toString(r.attempts().size())
          });
    }
    print(rows, out);
    for (ProbeResult r : report.results()) {
      if ((!r.passed() && !r.verdict().verdict().skipped()) || r.passedAfterRetries()) {
        out.println(r.name() + ": " + r.verdict().verdict() + ": " + clean(r.verdict().message()));
      }
    }
    for (EcmpCoverage c : EcmpCoverage.of(report.results())) {
      out.println(clean(c.describe()));
    }
    for (String note : report.notes()) {
      out.println("note: " + clean(note));
    }
    int skipped = report.skippedCount();
    out.println(
        report.passedCount()
            + " of "
            + (report.results().size() - skipped)
            + " passed"
            + (report.passed() ? "" : "; failing: " + failing(report))
            + (skipped == 0
                ? ""
                : "; skipped: "
                    + skipped
                    + (skipped == 1 ? " namespace" : " namespaces")
                    + " without pods"));
    out.flush();
  }

  private static String failing(ProbeReport report) {
    List<String> parts = new ArrayList<>();
    report
        .countsByVerdict()
        .forEach(
            (v, n) -> {
              if (!v.equals("pass") && !v.equals("blocked-as-expected") && !v.equals("no-pods")) {
                parts.add(n + " " + v);
              }
            });
    return parts.isEmpty() ? "nothing was probed" : String.join(", ", parts);
  }

  /** The last attempt's source IPs, or nothing. */
  private static String observed(ProbeResult r) {
    if (r.attempts().isEmpty()) {
      return null;
    }
    List<ObservedSource> seen = r.attempts().get(r.attempts().size() - 1).observed();
    if (seen.isEmpty()) {
      return "-";
    }
    return String.join(",", seen.stream().map(ObservedSource::ip).toList());
  }

  private static void print(List<String[]> rows, PrintWriter out) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        r[i] = r[i] == null || r[i].isEmpty() ? "<none>" : clean(r[i]);
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        line.append(r[i]);
        if (i < cols - 1) {
          line.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /** Text from the cluster or a pod must not drive the terminal. */
  static String clean(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }
}
