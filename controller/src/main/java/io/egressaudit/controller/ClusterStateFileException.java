package io.egressaudit.controller;

import java.nio.file.Path;

/**
 * A cluster state file that cannot be loaded. The message is one line that starts with the file
 * and, when known, the line and column, like a compiler's: {@code cluster.yaml:12:3: malformed
 * YAML: ...}, {@code cluster.yaml:64:16: document 1, items[4] (Node worker-1):
 * status.addresses[1].address: not an IP address: '192.168.126.999'} (at the field) or {@code
 * cluster.yaml:57: document 1, items[4] (Pod simpson/homer): metadata.name is missing} (at the
 * object).
 */
public class ClusterStateFileException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final int line;
  private final int column;

  /**
   * Creates the exception.
   *
   * @param file the file, as the caller named it
   * @param line the 1-based line, 0 when unknown
   * @param column the 1-based column, 0 when unknown
   * @param problem what is wrong, after the location; line breaks are flattened
   * @param cause the underlying exception, may be null
   */
  ClusterStateFileException(Path file, int line, int column, String problem, Throwable cause) {
    super(
        location(file, line, column) + ": " + problem.replaceAll("\\s*[\\r\\n]+\\s*", " "), cause);
    this.file = file;
    this.line = Math.max(line, 0);
    this.column = line > 0 ? Math.max(column, 0) : 0;
  }

  private ClusterStateFileException(ClusterStateFileException e, String message) {
    super(message, e.getCause());
    this.file = e.file;
    this.line = e.line;
    this.column = e.column;
  }

  /**
   * The same problem, saying that the file may have been cut short: the object it is in is the last
   * thing in the file, where kubectl writes the list's {@code kind} and {@code metadata}.
   */
  ClusterStateFileException mayBeTruncated() {
    return new ClusterStateFileException(
        this,
        getMessage()
            + "; the file ends in this object, before the list's kind: it may be truncated");
  }

  private static String location(Path file, int line, int column) {
    if (line <= 0) {
      return String.valueOf(file);
    }
    return column <= 0 ? file + ":" + line : file + ":" + line + ":" + column;
  }

  /** The file, as the caller named it. */
  public Path file() {
    return file;
  }

  /**
   * The 1-based line the problem is at: for an invalid field, the line its value starts at; for a
   * missing field or a problem of the whole object, the line the object starts at; 0 when unknown.
   */
  public int line() {
    return line;
  }

  /** The 1-based column, 0 when unknown. */
  public int column() {
    return column;
  }
}
