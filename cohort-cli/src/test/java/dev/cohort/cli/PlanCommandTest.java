package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  void aNegativeLatencyShouldBeRefusedInOneLine() {
    LauncherTest.Result r = LauncherTest.cohort("plan", "--model", "cnn", "--latency-us", "-5");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo("cohort plan: --latency-us must be >= 0, got -5.0" + System.lineSeparator());
  }

  @Test
  void aBandwidthOfZeroShouldBeRefusedNotTakenAsInfinite() {
    LauncherTest.Result r = LauncherTest.cohort("plan", "--model", "cnn", "--bandwidth-gbps", "0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--bandwidth-gbps must be > 0");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aMissingCalibrationFileShouldBeRefusedNotReplacedByDefaults(@TempDir Path dir) {
    Path missing = dir.resolve("calibration.json");
    LauncherTest.Result r =
        LauncherTest.cohort("plan", "--model", "cnn", "--calibration", missing.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("no calibration file " + missing)
        .contains("bin/cohort lab calibrate")
        .doesNotContain("\tat ");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void anUnreadableCalibrationFileShouldBeAOneLineError(@TempDir Path dir) throws Exception {
    Path broken = Files.writeString(dir.resolve("calibration.json"), "{not json");
    LauncherTest.Result r =
        LauncherTest.cohort("plan", "--model", "cnn", "--calibration", broken.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("cohort plan: cannot read calibration");
    assertThat(r.err().strip().lines()).hasSize(1);
  }
}
