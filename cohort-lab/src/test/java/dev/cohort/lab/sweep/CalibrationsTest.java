package dev.cohort.lab.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.cohort.lab.model.StepTimeModel;
import java.util.List;
import org.junit.jupiter.api.Test;

class CalibrationsTest {
  private static final RunSpec CNN = new RunSpec("scaling", "cnn", 1, 120, 25, "auto", "none",
      "adam", 0.001f, 0, 42, 1, 30, 8192, 500, 0);

  @Test
  void recoversTheCostsTheRunsWereMadeWith() {
    StepTimeModel.Calibration c = Calibrations.fit("cnn", SweepFixtures.calibration(CNN), 2);
    assertThat(c.computeFixedSeconds()).isCloseTo(1e-3, within(1e-9));
    assertThat(c.computePerSampleOneThread()).isCloseTo(0.5e-3, within(1e-9));
    assertThat(c.computePerSampleAllThreads()).isCloseTo(0.3e-3, within(1e-9));
    assertThat(c.dataPerSampleSeconds()).isCloseTo(0.01e-3, within(1e-9));
    assertThat(c.optimizerSeconds()).isCloseTo(2e-3, within(1e-9));
    assertThat(c.computeSlowdownTwo()).isCloseTo(1.5, within(1e-9));
    assertThat(c.fixedSlowdownTwo()).isCloseTo(2, within(1e-9));
    assertThat(c.waitFractionTwo()).isCloseTo(0.1, within(1e-9));
    assertThat(c.crowdWorkers()).isEqualTo(4);
    assertThat(c.computeSlowdownCrowd()).isCloseTo(3, within(1e-9));
    assertThat(c.waitFractionCrowd()).isCloseTo(0.2, within(1e-9));
  }

  /** The model, calibrated on runs made from known costs, predicts a two-worker run from them. */
  @Test
  void predictionsOfRunsMadeWithTheCalibratedCostsAreExact() {
    List<RunResult> runs = new java.util.ArrayList<>(SweepFixtures.calibration(CNN));
    RunSpec two = CNN.with("scaling", 2, "lat=5ms");
    // Forward/backward of 60 samples on a shared host, the ring over the relay with 5 ms latency.
    double compute = 1.5 * (1 + 0.5 * 60);
    double data = 1.5 * 0.01 * 60;
    double alpha = 300e-6 + 5e-3;
    double bytes = 1_686_568;
    // Two buckets, each a 2-process ring (2 messages); packing costs 0.4 ms alone, 2x shared.
    double comm = (4 * alpha + bytes * 2e-9 + bytes / 2 * 0.25e-9) * 1e3 + 2 * 0.4;
    double local = compute + data + 4;
    runs.add(SweepFixtures.run(two, data, compute, comm, 0.1 * local, 4, 0, List.of(0.7)));
    RunResult r = Predictions.apply(runs, SweepFixtures.PATHS, 2).runs().get(5);
    assertThat(r.spec()).isEqualTo(two);
    assertThat(r.predictionError()).isCloseTo(0, within(0.01));
  }

  @Test
  void saysWhichRunsAreMissing() {
    assertThatThrownBy(() -> Calibrations.fit("cnn", SweepFixtures.calibration(CNN).subList(0, 4), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("runs of two and of more single-thread workers");
  }
}
