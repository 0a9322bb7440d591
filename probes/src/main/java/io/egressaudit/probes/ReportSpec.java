package io.egressaudit.probes;

import java.io.Writer;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One {@code --report FORMAT:FILE}: {@code junit:probe.xml} or {@code json:probe.json}.
 *
 * @param format the format
 * @param file where to write it
 */
public record ReportSpec(Format format, Path file) {

  /** The report formats for machines. */
  public enum Format {
    /** JUnit XML ({@link JunitReport}). */
    JUNIT,
    /** The JSON report ({@link JsonReport}). */
    JSON
  }

  /**
   * Parses {@code FORMAT:FILE}.
   *
   * @param text such as {@code junit:out/probe.xml}
   * @return the spec
   * @throws IllegalArgumentException when the format is unknown or the file missing
   */
  public static ReportSpec parse(String text) {
    int colon = text.indexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException(
          "--report '"
              + text
              + "': expected FORMAT:FILE, such as junit:probe.xml or json:probe.json");
    }
    String format = text.substring(0, colon).toLowerCase(Locale.ROOT);
    Path file = Path.of(text.substring(colon + 1));
    return switch (format) {
      case "junit" -> new ReportSpec(Format.JUNIT, file);
      case "json" -> new ReportSpec(Format.JSON, file);
      default ->
          throw new IllegalArgumentException(
              "--report '" + text + "': unknown format '" + format + "' (junit or json)");
    };
  }

  /** A report that can be written in each {@link Format}. */
  public interface MachineReport {
    /**
     * Writes the JUnit XML document.
     *
     * @param out where to; not closed
     */
    void junit(Writer out);

    /**
     * Writes the JSON document, ending with a newline.
     *
     * @param out where to; not closed
     */
    void json(Writer out);
  }

  /**
   * Writes a probe run's report in this format, replacing the file atomically where the file system
   * allows (a CI job never reads half a report).
   *
   * @param report the run
   * @throws java.io.UncheckedIOException when the file cannot be written
   */
  public void write(ProbeReport report) {
    write(
        new MachineReport() {
          @Override
          public void junit(Writer out) {
            JunitReport.write(report, out);
          }

          @Override
          public void json(Writer out) {
            JsonReport.write(report, out);
          }
        });
  }

  /**
   * Writes any report in this format, replacing the file atomically where the file system allows.
   *
   * @param report the report, such as a failover drill's
   * @throws java.io.UncheckedIOException when the file cannot be written
   */
  public void write(MachineReport report) {
    ReportFiles.writeAtomically(
        file,
        w -> {
          switch (format) {
            case JUNIT -> report.junit(w);
            case JSON -> report.json(w);
          }
        });
  }

  /** {@code junit:FILE} or {@code json:FILE}, as given on the command line. */
  public String describe() {
    return format.name().toLowerCase(Locale.ROOT) + ":" + file;
  }
}
