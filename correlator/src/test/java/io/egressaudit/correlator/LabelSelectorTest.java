package io.egressaudit.correlator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressaudit.correlator.LabelSelector.Operator;
import io.egressaudit.correlator.LabelSelector.Requirement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {

  private static LabelSelector expression(String key, Operator operator, String... values) {
    return new LabelSelector(null, List.of(new Requirement(key, operator, List.of(values))));
  }

  @Test
  void matchLabelsRequiresEveryLabelWithItsValue() {
    LabelSelector s = new LabelSelector(Map.of("env", "qa", "team", "simpson"), null);

    assertThat(s.matches(Map.of("env", "qa", "team", "simpson"))).isTrue();
    assertThat(s.matches(Map.of("env", "qa", "team", "simpson", "extra", "x"))).isTrue();
    assertThat(s.matches(Map.of("env", "qa"))).isFalse();
    assertThat(s.matches(Map.of("env", "prod", "team", "simpson"))).isFalse();
    assertThat(s.matches(Map.of())).isFalse();
  }

  @Test
  void inMatchesWhenTheLabelHasOneOfTheValues() {
    LabelSelector s = expression("env", Operator.IN, "qa", "dev");

    assertThat(s.matches(Map.of("env", "qa"))).isTrue();
    assertThat(s.matches(Map.of("env", "dev"))).isTrue();
    assertThat(s.matches(Map.of("env", "prod"))).isFalse();
    assertThat(s.matches(Map.of("other", "qa"))).isFalse();
  }

  @Test
  void notInMatchesWhenTheLabelIsAbsentOrHasAnotherValue() {
    LabelSelector s = expression("env", Operator.NOT_IN, "prod");

    assertThat(s.matches(Map.of("env", "qa"))).isTrue();
    assertThat(s.matches(Map.of())).isTrue();
    assertThat(s.matches(Map.of("env", "prod"))).isFalse();
  }

  @Test
  void existsMatchesWhenTheKeyIsPresentWhateverItsValue() {
    LabelSelector s = expression("egress", Operator.EXISTS);

    assertThat(s.matches(Map.of("egress", ""))).isTrue();
    assertThat(s.matches(Map.of("egress", "yes"))).isTrue();
    assertThat(s.matches(Map.of("ingress", "yes"))).isFalse();
  }

  @Test
  void doesNotExistMatchesWhenTheKeyIsAbsent() {
    LabelSelector s = expression("egress", Operator.DOES_NOT_EXIST);

    assertThat(s.matches(Map.of("ingress", "yes"))).isTrue();
    assertThat(s.matches(Map.of())).isTrue();
    assertThat(s.matches(Map.of("egress", "yes"))).isFalse();
  }

  @Test
  void labelsAndExpressionsMustAllHold() {
    LabelSelector s =
        new LabelSelector(
            Map.of("team", "simpson"),
            List.of(
                new Requirement("env", Operator.IN, List.of("qa")),
                new Requirement("legacy", Operator.DOES_NOT_EXIST, null)));

    assertThat(s.matches(Map.of("team", "simpson", "env", "qa"))).isTrue();
    assertThat(s.matches(Map.of("team", "simpson", "env", "qa", "legacy", "1"))).isFalse();
    assertThat(s.matches(Map.of("team", "simpson", "env", "prod"))).isFalse();
    assertThat(s.matches(Map.of("team", "flanders", "env", "qa"))).isFalse();
  }

  @Test
  void emptySelectorMatchesEverything() {
    assertThat(LabelSelector.EVERYTHING.matches(Map.of())).isTrue();
    assertThat(LabelSelector.EVERYTHING.matches(Map.of("any", "thing"))).isTrue();
    assertThat(LabelSelector.EVERYTHING.matches(null)).isTrue();
    assertThat(new LabelSelector(null, null).matches(Map.of("a", "b"))).isTrue();
    assertThat(new LabelSelector(null, null)).isEqualTo(LabelSelector.EVERYTHING);
    assertThat(LabelSelector.EVERYTHING.selectsEverything()).isTrue();
    assertThat(expression("a", Operator.EXISTS).selectsEverything()).isFalse();
  }

  @Test
  void nullLabelsAreNoLabels() {
    assertThat(new LabelSelector(Map.of("env", "qa"), null).matches(null)).isFalse();
    assertThat(expression("env", Operator.IN, "qa").matches(null)).isFalse();
    assertThat(expression("env", Operator.NOT_IN, "qa").matches(null)).isTrue();
    assertThat(expression("env", Operator.EXISTS).matches(null)).isFalse();
    assertThat(expression("env", Operator.DOES_NOT_EXIST).matches(null)).isTrue();
  }

  @Test
  void selectorCopiesWhatItIsGiven() {
    Map<String, String> labels = new HashMap<>(Map.of("env", "qa"));
    LabelSelector s = new LabelSelector(labels, null);
    labels.put("env", "prod");

    assertThat(s.matches(Map.of("env", "qa"))).isTrue();
  }

  @Test
  void operatorsReadTheKubernetesSpelling() {
    assertThat(Operator.fromSpelling("In")).isEqualTo(Operator.IN);
    assertThat(Operator.fromSpelling("NotIn")).isEqualTo(Operator.NOT_IN);
    assertThat(Operator.fromSpelling("Exists")).isEqualTo(Operator.EXISTS);
    assertThat(Operator.fromSpelling("DoesNotExist")).isEqualTo(Operator.DOES_NOT_EXIST);
    for (Operator o : Operator.values()) {
      assertThat(Operator.fromSpelling(o.spelling())).isEqualTo(o);
    }
    assertThatThrownBy(() -> Operator.fromSpelling("in"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'in'");
  }
}
