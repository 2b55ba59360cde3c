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
  void aModelThatDoesNotFitOneWorkerShouldBePipelined() {
    LauncherTest.Result r =
        LauncherTest.cohort(
            "plan",
            "--model",
            "gpt-16x256",
            "--workers",
            "4",
            "--memory",
            "160MiB",
            "--global-batch",
            "4",
            "--micro-batches",
            "4");
    assertThat(r.code()).as(r.err()).isZero();
    // The budget study's model: 1F1B over 4 stages, 4 micro-batches of 1 window, fits 160 MiB.
    assertThat(r.out())
        .containsPattern("data parallel x4 +1 x 1 +[0-9.]+ MiB +no")
        .containsPattern("1 x pipeline of 4 +4 x 1 +156.6 MiB +yes")
        .contains("Recommendation: 1 x pipeline of 4")
        .contains("Data parallelism does not fit: each worker would hold");
  }

  @Test
  void aPipelineShouldWinOnASlowNetworkAndDataParallelismOnAFastOne() {
    String[] common = {"plan", "--model", "gpt", "--workers", "2", "--global-batch", "16"};
    LauncherTest.Result slow =
        LauncherTest.cohort(concat(common, "--latency-us", "1000", "--bandwidth-gbps", "0.1"));
    assertThat(slow.code()).as(slow.err()).isZero();
    assertThat(slow.out())
        .contains("Recommendation: 1 x pipeline of 2")
        .contains("A pipeline beats data parallelism");
    LauncherTest.Result fast =
        LauncherTest.cohort(concat(common, "--latency-us", "5", "--bandwidth-gbps", "100"));
    assertThat(fast.code()).as(fast.err()).isZero();
    assertThat(fast.out())
        .contains("Recommendation: data parallel x2")
        .contains("Data parallelism is fastest here");
    LauncherTest.Result none = LauncherTest.cohort(concat(common, "--memory", "1MiB"));
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.out()).contains("Recommendation: none fits 1.0 MiB per worker");
    assertThat(LauncherTest.cohort(concat(common, "--memory", "much")).err())
        .contains("--memory must be a size such as 512MiB");
    assertThat(LauncherTest.cohort(concat(common, "--nodes", "2")).err())
        .contains("--nodes plan data parallelism of --model mlp|cnn or --params");
  }

  /**
   * Data parallelism under a memory budget: each worker count takes the lowest ZeRO stage that fits
   * (the wide MLP, 2.9 million parameters with Adam, at most 600 MiB per worker: ZeRO-2 from 4
   * workers on, nothing on 1 or 2), and a budget nothing fits is an error.
   */
  @Test
  void aMemoryBudgetShouldPlanZeroStages() {
    String[] common = {
      "plan", "--model", "mlp-wide", "--global-batch", "256", "--nodes", "1,2,4,8", "--memory"
    };
    LauncherTest.Result fits = LauncherTest.cohort(concat(common, "600MiB"));
    assertThat(fits.code()).as(fits.err()).isZero();
    assertThat(fits.out())
        .contains("Memory per worker at most 600.0 MiB (fp32 Adam)")
        .contains("memory/worker  zero")
        .containsPattern("(?m)^      4 .* 2$")
        .doesNotContainPattern("(?m)^      [12] ")
        .contains("--zero 2: ");
    LauncherTest.Result none = LauncherTest.cohort(concat(common, "1MiB"));
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("fits --memory 1MiB with any ZeRO stage");
  }

  @Test
  void tensorGroupsShouldBePlannedInsideAHostOnly() {
    String[] common = {
      "plan",
      "--model",
      "gpt-16x256",
      "--workers",
      "4",
      "--global-batch",
      "4",
      "--micro-batches",
      "4"
    };
    LauncherTest.Result oneHost = LauncherTest.cohort(concat(common, "--workers-per-host", "4"));
    assertThat(oneHost.code()).as(oneHost.err()).isZero();
    assertThat(oneHost.out())
        .containsPattern("2 x tensor group of 2 +1 x 2 +[0-9.]+ MiB")
        .containsPattern("1 x tensor group of 4 +1 x 4 +[0-9.]+ MiB")
        .doesNotContain("No tensor group");
    LauncherTest.Result spread = LauncherTest.cohort(common); // every worker a host of its own
    assertThat(spread.code()).as(spread.err()).isZero();
    assertThat(spread.out())
        .doesNotContain("tensor group of")
        .contains("No tensor group is planned: one must stay inside a host (1 workers per host)");
    LauncherTest.Result pairs = LauncherTest.cohort(concat(common, "--workers-per-host", "2"));
    assertThat(pairs.out()).contains("2 x tensor group of 2").doesNotContain("tensor group of 4");
  }

  @Test
  void aMixtureOfExpertsShouldBePlannedOverExpertGroups(@TempDir Path dir) {
    LauncherTest.Result r =
        LauncherTest.cohort(
            "plan",
            "--model",
            "gpt-4x256",
            "--workers",
            "4",
            "--global-batch",
            "8",
            "--experts",
            "4",
            "--top-k",
            "2",
            "--moe-bench",
            dir.resolve("none.json").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("none.json");
    LauncherTest.Result estimated =
        LauncherTest.cohort(
            "plan",
            "--model",
            "gpt-4x256",
            "--workers",
            "4",
            "--global-batch",
            "8",
            "--experts",
            "4",
            "--top-k",
            "2");
    assertThat(estimated.code()).as(estimated.err()).isZero();
    assertThat(estimated.out())
        .contains("Mixture of 4 experts per layer, top-2, capacity factor 1.25")
        .contains("data parallel x4 (MoE)")
        .contains("2 x expert group of 2")
        .contains("1 x expert group of 4")
        .doesNotContain("pipeline of")
        .contains("Recommendation: 1 x expert group of 4");
    assertThat(LauncherTest.cohort("plan", "--model", "gpt", "--top-k", "2").err())
        .contains("--top-k, --capacity-factor and --moe-bench need --experts");
    assertThat(
            LauncherTest.cohort("plan", "--model", "gpt", "--experts", "4", "--top-k", "3").err())
        .contains("--top-k must be 1 or 2");
    assertThat(LauncherTest.cohort("plan", "--model", "cnn", "--experts", "4").err())
        .contains("--experts plan the language model");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
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
