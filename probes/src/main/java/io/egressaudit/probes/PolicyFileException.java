package io.egressaudit.probes;

import java.nio.file.Path;

/**
 * A policy file that cannot be used. The message is one line naming the file, the line and the
 * field, such as {@code policy.yaml:7: namespaces.simpson.allow[1]: not an IP address or CIDR
 * block: 'bastion'}.
 */
public class PolicyFileException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param file the file
   * @param line the line (1-based), or 0 when the problem is the whole file
   * @param detail the field and what is wrong with it
   * @param cause the underlying error, or null
   */
  public PolicyFileException(Path file, int line, String detail, Throwable cause) {
    super(file + (line > 0 ? ":" + line : "") + ": " + detail, cause);
  }
}
