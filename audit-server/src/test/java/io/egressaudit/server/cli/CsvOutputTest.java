package io.egressaudit.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvOutputTest {

  @Test
  void cellsWithCommaQuoteOrFormulaAreQuotedAndGuardedAsRfc4180AndOwaspSay() {
    String csv =
        CsvOutput.write(
            List.of("name", "count", "note"),
            List.of(
                Arrays.asList("a,b", 3, "say \"hi\""),
                Arrays.asList("=1+2", null, "-rm"),
                Arrays.asList("line\nbreak", 0L, "@x")));

    assertThat(csv)
        .isEqualTo(
            "name,count,note\n"
                + "\"a,b\",3,\"say \"\"hi\"\"\"\n"
                + "\"'=1+2\",,\"'-rm\"\n"
                + "\"line\\x0abreak\",0,\"'@x\"\n");
  }

  @Test
  void aRowWithAnotherNumberOfCellsThanColumnsIsRefused() {
    assertThatThrownBy(() -> CsvOutput.write(List.of("a", "b"), List.of(List.of("only one"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("1 cells for 2 columns");
  }
}
