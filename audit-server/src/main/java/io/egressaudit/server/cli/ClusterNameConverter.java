package io.egressaudit.server.cli;

import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads {@code --cluster NAME}: an empty or blank name is wrong usage, not a cluster of its own
 * (history recorded under {@code ""} would be found by nothing else, and a filter on it answers
 * nothing); so is a name with a character outside {@value #ALLOWED} (a control character, a space),
 * which would be recorded in history for good and printed into tables, CSV and logs.
 */
final class ClusterNameConverter implements ITypeConverter<String> {

  /**
   * The characters a cluster name may have: those of a DNS-1123 label, upper case, and those of
   * kubeconfig context names ({@code default/api-example-com:6443/kube:admin}, {@code gke_p_z_c},
   * {@code admin@prod}).
   */
  static final String ALLOWED = "letters a-z A-Z, digits 0-9 and - . _ : / @";

  /** The longest cluster name: 253 characters, a DNS subdomain's length. */
  static final int MAX_LENGTH = 253;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:/@-]+");

  @Override
  public String convert(String value) {
    String problem = problem(value);
    if (problem != null) {
      throw new TypeConversionException(problem);
    }
    return value;
  }

  /** Why {@code name} is not a cluster name, or null when it is one. */
  static String problem(String name) {
    if (name == null || name.isBlank()) {
      return "the cluster name is empty";
    }
    if (name.length() > MAX_LENGTH) {
      return "the cluster name is longer than " + MAX_LENGTH + " characters";
    }
    if (!NAME.matcher(name).matches()) {
      int bad =
          name.codePoints()
              .filter(c -> !NAME.matcher(Character.toString(c)).matches())
              .findFirst()
              .orElse('?');
      return "the cluster name '"
          + printable(name)
          + "' has "
          + describe(bad)
          + "; a cluster name may have "
          + ALLOWED;
    }
    return null;
  }

  private static String describe(int c) {
    if (Character.isISOControl(c) || Character.isWhitespace(c) || !Character.isDefined(c)) {
      return String.format("the character U+%04X", c);
    }
    return "the character '" + Character.toString(c) + "'";
  }

  /** The name with control characters as {@code \xNN}, so that the message is one line. */
  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints()
        .forEach(
            c -> {
              if (Character.isISOControl(c)) {
                sb.append(String.format("\\x%02X", c));
              } else {
                sb.appendCodePoint(c);
              }
            });
    return sb.toString();
  }
}
