package io.egressaudit.sql;

/** A database could not be opened, migrated, read or written; the message names the file. */
public class DatabaseException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message one line naming the file and the cause
   * @param cause the SQLException behind it
   */
  public DatabaseException(String message, Throwable cause) {
    super(message, cause);
  }
}
