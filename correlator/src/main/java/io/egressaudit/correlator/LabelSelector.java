package io.egressaudit.correlator;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Kubernetes label selector ({@code metav1.LabelSelector}), as found in an EgressIP's {@code
 * spec.namespaceSelector} and {@code spec.podSelector}.
 *
 * <p>All {@code matchLabels} and all {@code matchExpressions} must hold; an empty selector ({@code
 * {}}) matches every object, as in Kubernetes.
 *
 * @param matchLabels labels that must be present with exactly these values
 * @param matchExpressions set-based requirements
 */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

  /** The empty selector: matches everything. */
  public static final LabelSelector EVERYTHING = new LabelSelector(Map.of(), List.of());

  /** Copies the collections and replaces null with empty. */
  public LabelSelector {
    matchLabels = matchLabels == null ? Map.of() : Map.copyOf(matchLabels);
    matchExpressions = matchExpressions == null ? List.of() : List.copyOf(matchExpressions);
  }

  /**
   * Tells whether an object with these labels is selected.
   *
   * @param labels the object's {@code metadata.labels}; null is treated as no labels
   * @return true when every label and every expression holds
   */
  public boolean matches(Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    for (Map.Entry<String, String> e : matchLabels.entrySet()) {
      if (!Objects.equals(l.get(e.getKey()), e.getValue())) {
        return false;
      }
    }
    for (Requirement r : matchExpressions) {
      if (!r.matches(l)) {
        return false;
      }
    }
    return true;
  }

  /** True when the selector has no labels and no expressions, so it selects everything. */
  public boolean selectsEverything() {
    return matchLabels.isEmpty() && matchExpressions.isEmpty();
  }

  /**
   * One {@code matchExpressions} entry.
   *
   * @param key the label key
   * @param operator {@code In}, {@code NotIn}, {@code Exists} or {@code DoesNotExist}
   * @param values the values for {@code In} and {@code NotIn}
   */
  public record Requirement(String key, Operator operator, List<String> values) {

    /** Copies the values and replaces null with empty. */
    public Requirement {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(operator, "operator");
      values = values == null ? List.of() : List.copyOf(values);
    }

    boolean matches(Map<String, String> labels) {
      boolean has = labels.containsKey(key);
      return switch (operator) {
        case IN -> has && values.contains(labels.get(key));
        case NOT_IN -> !has || !values.contains(labels.get(key));
        case EXISTS -> has;
        case DOES_NOT_EXIST -> !has;
      };
    }
  }

  /** The operators of a label selector requirement, with the spelling Kubernetes uses. */
  public enum Operator {
    IN("In"),
    NOT_IN("NotIn"),
    EXISTS("Exists"),
    DOES_NOT_EXIST("DoesNotExist");

    private final String spelling;

    Operator(String spelling) {
      this.spelling = spelling;
    }

    /** The spelling in Kubernetes YAML, such as {@code NotIn}. */
    public String spelling() {
      return spelling;
    }

    /**
     * Reads the Kubernetes spelling.
     *
     * @param spelling {@code In}, {@code NotIn}, {@code Exists} or {@code DoesNotExist}
     * @return the operator
     * @throws IllegalArgumentException for any other text
     */
    public static Operator fromSpelling(String spelling) {
      for (Operator o : values()) {
        if (o.spelling.equals(spelling)) {
          return o;
        }
      }
      throw new IllegalArgumentException(
          "unknown label selector operator '"
              + spelling
              + "' (expected In, NotIn, Exists, DoesNotExist)");
    }
  }
}
