package io.egressaudit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DescriptorBudgetTest {

  @TempDir Path dir;

  @Test
  void aHighLimitKeepsTheCapsAsAsked() {
    DescriptorBudget.Plan p = DescriptorBudget.plan(1_048_576, 2, 10_000, 256, 200);

    assertThat(p).isEqualTo(new DescriptorBudget.Plan(10_000, 256, 200, false));
  }

  @Test
  void theApiGetsOnlyWhatTheHitListenerAndTheReserveLeave() {
    // 20000 - 200 reserved - 19700 for two listen addresses leaves 100 for the API
    DescriptorBudget.Plan p = DescriptorBudget.plan(20_000, 2, 9_850, 256, 200);

    assertThat(p.apiConnections()).isEqualTo(100);
    assertThat(p.listenerConnections()).isEqualTo(9_850);
    assertThat(p.lowered()).isTrue();
    assertThat(2L * p.listenerConnections() + p.apiConnections() + p.reserve())
        .isLessThanOrEqualTo(20_000);
  }

  @Test
  void underALowLimitTheHitListenerIsLoweredToFitAfterTheApisMinimum() {
    // ulimit -n 1200 with the defaults: 10000 listener connections cannot fit
    DescriptorBudget.Plan p = DescriptorBudget.plan(1200, 1, 10_000, 256, 152);

    assertThat(p.apiConnections()).isEqualTo(DescriptorBudget.API_MIN);
    assertThat(p.listenerConnections()).isEqualTo(1200 - 152 - DescriptorBudget.API_MIN);
    assertThat(p.lowered()).isTrue();
  }

  @Test
  void anApiCapBelowTheMinimumIsKept() {
    assertThat(DescriptorBudget.plan(1200, 1, 10_000, 4, 152).apiConnections()).isEqualTo(4);
  }

  @Test
  void aLimitThatLeavesTheHitListenerNothingIsRefusedNamingTheLimit() {
    assertThatThrownBy(() -> DescriptorBudget.plan(150, 1, 10_000, 256, 152))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("150")
        .hasMessageContaining("ulimit -n");
  }

  @Test
  void anUnknownLimitKeepsTheCapsAsAsked() {
    assertThat(DescriptorBudget.plan(-1, 1, 10_000, 256, 152))
        .isEqualTo(new DescriptorBudget.Plan(10_000, 256, 0, false));
  }

  @Test
  void theReserveGrowsWithTheEventLoops() {
    assertThat(DescriptorBudget.reserve(64)).isGreaterThan(DescriptorBudget.reserve(4));
  }

  @Test
  void theHardLimitIsReadFromProcLimits() throws Exception {
    Path limits =
        Files.writeString(
            dir.resolve("limits"),
            "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max processes             63704                63704                processes \n"
                + "Max open files            1024                 524288               files     \n");
    Path unlimited =
        Files.writeString(
            dir.resolve("unlimited"),
            "Max open files            unlimited            unlimited            files     \n");

    assertThat(DescriptorBudget.hardLimit(limits)).isEqualTo(524_288);
    assertThat(DescriptorBudget.hardLimit(unlimited)).isEqualTo(Long.MAX_VALUE);
    assertThat(DescriptorBudget.hardLimit(dir.resolve("missing"))).isEqualTo(-1);
  }

  @Test
  void thisJvmRaisedItsSoftLimitToTheHardOne() {
    DescriptorBudget.Limits limits = DescriptorBudget.read();

    assertThat(limits.soft()).isPositive();
    assertThat(limits.softBelowHard()).as("HotSpot's MaxFDLimit, on by default").isFalse();
  }
}
