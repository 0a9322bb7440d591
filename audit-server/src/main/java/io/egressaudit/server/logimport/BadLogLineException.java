package io.egressaudit.server.logimport;

/** A line of an access log that cannot be imported; the message names the field. */
public class BadLogLineException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int lineNumber;

  /**
   * @param lineNumber 1-based line number
   * @param problem what is wrong, naming the field
   */
  public BadLogLineException(int lineNumber, String problem) {
    super(problem);
    this.lineNumber = lineNumber;
  }

  /** The 1-based line number. */
  public int lineNumber() {
    return lineNumber;
  }
}
