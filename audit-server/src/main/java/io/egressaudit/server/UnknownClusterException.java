package io.egressaudit.server;

/**
 * A query named a cluster the database has no history of. The message names the clusters that have
 * some ({@code unknown cluster 'x'; clusters with history: a, b}). It is an {@link
 * IllegalArgumentException}, which the API answers with 400; the command line makes it a usage
 * error of {@code --cluster}.
 */
public final class UnknownClusterException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what was asked for and the clusters there are
   */
  public UnknownClusterException(String message) {
    super(message);
  }
}
