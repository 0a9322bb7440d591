package io.egressaudit.server;

import java.util.Collection;

/**
 * An owner filter of hits ({@code namespace}, {@code egressip}, {@code node}) named something no
 * selected cluster's history ever held, so the answer would be an empty list that reads like "no
 * hits". The message says so and, when a name held is close (a misspelling), suggests it: {@code
 * unknown namespace 'simpsn': no cluster's history has it; did you mean 'simpson'?}. Like {@link
 * UnknownClusterException} it is an {@link IllegalArgumentException}: the API answers 400, the
 * command line makes it a usage error of the option.
 */
public final class UnknownOwnerException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what was asked for, and the close name if there is one
   */
  public UnknownOwnerException(String message) {
    super(message);
  }

  /**
   * The error for a name no selected cluster held.
   *
   * @param what the owner's kind in the filter's words: {@code namespace}, {@code EgressIP}, {@code
   *     node}
   * @param name the name asked for
   * @param cluster the one cluster selected, or null for all
   * @param held every name of that kind the selected clusters' history held
   */
  public static UnknownOwnerException of(
      String what, String name, String cluster, Collection<String> held) {
    String closest = closest(name, held);
    return new UnknownOwnerException(
        "unknown "
            + what
            + " '"
            + name
            + "': "
            + (cluster == null
                ? "no cluster's history has it"
                : "cluster " + cluster + "'s history has none")
            + (closest == null ? "" : "; did you mean '" + closest + "'?"));
  }

  /**
   * The name held that is closest to {@code name} by edit distance (Levenshtein, case ignored), if
   * it is close enough to be a misspelling: at most a third of the name's length, at least 1 edit.
   * Ties go to the first in sorted order.
   */
  static String closest(String name, Collection<String> held) {
    String wanted = name.toLowerCase(java.util.Locale.ROOT);
    int limit = Math.max(1, wanted.length() / 3);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String h : new java.util.TreeSet<>(held)) {
      int d = distance(wanted, h.toLowerCase(java.util.Locale.ROOT));
      if (d <= limit && d < bestDistance) {
        best = h;
        bestDistance = d;
      }
    }
    return best;
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[b.length()];
  }
}
