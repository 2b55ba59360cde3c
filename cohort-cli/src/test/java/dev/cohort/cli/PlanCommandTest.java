package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PlanCommandTest {

  @Test
  void aTinyModelOnASlowFarNetworkShouldBeToldToStayLocal() {
    LauncherTest.Result r =
        LauncherTest.cohort(
            "plan",
            "--params",
            "10000",
            "--global-batch",
            "64",
            "--latency-us",
            "50000",
            "--bandwidth-gbps",
            "0.1");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Recommendation: stay local").contains("does not pay");
  }

  @Test
  void theCnnOnAFastNetworkShouldBeDistributedWithDiminishingReturnsNamed() {
    LauncherTest.Result r =
        LauncherTest.cohort(
            "plan", "--model", "cnn", "--latency-us", "50", "--bandwidth-gbps", "10");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .containsPattern("Recommendation: \\d+ workers")
        .contains("Returns diminish beyond");
  }

  @Test
  void nonsenseShouldBeRefused() {
    assertThat(LauncherTest.cohort("plan").code()).isEqualTo(2);
    assertThat(
            LauncherTest.cohort("plan", "--model", "cnn", "--nodes", "3", "--global-batch", "64")
                .err())
        .contains("divides the global batch");
  }
}
