package dev.cohort.lab.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.StepTimeModel;
import dev.cohort.lab.net.PathCalibration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CalibrationsTest {
  private static final NetworkModel DIRECT = SweepFixtures.PATHS.get(PathCalibration.DIRECT);
  private static final RunSpec CNN =
      new RunSpec(
          "scaling", "cnn", 1, 120, 25, "auto", "none", "adam", 0.001f, 0, 42, 1, 30, 8192, 500, 0);

  @Test
  void recoversTheCostsTheRunsWereMadeWith() {
    StepTimeModel.Calibration c =
        Calibrations.fit("cnn", SweepFixtures.calibration(CNN), 2, DIRECT);
    StepTimeModel.Alone a = c.alone();
    assertThat(a.computeFixedSeconds()).isCloseTo(1e-3, within(1e-9));
    assertThat(a.computePerSampleOneThread()).isCloseTo(0.5e-3, within(1e-9));
    assertThat(a.computePerSampleAllThreads()).isCloseTo(0.3e-3, within(1e-9));
    assertThat(a.dataPerSampleSeconds()).isCloseTo(0.01e-3, within(1e-9));
    assertThat(a.optimizerSeconds()).isCloseTo(2e-3, within(1e-9));
    assertThat(c.sharing()).hasSize(4);
    StepTimeModel.Sharing two = point(c, 2, 120);
    assertThat(two.computeSlowdown()).isCloseTo(1.5, within(1e-9));
    assertThat(two.optimizerSlowdown()).isCloseTo(2, within(1e-9));
    assertThat(two.overheadSeconds()).isCloseTo(1e-3, within(1e-9));
    assertThat(two.waitFraction()).isCloseTo(0.1, within(1e-9));
    assertThat(point(c, 2, 30).overheadSeconds()).isCloseTo(0.5e-3, within(1e-9));
    assertThat(c.crowdWorkers()).isEqualTo(4);
    assertThat(point(c, 4, 30).computeSlowdown()).isCloseTo(3, within(1e-9));
    assertThat(point(c, 4, 120).waitFraction()).isCloseTo(0.2, within(1e-9));
    assertThat(c.sharing()).allSatisfy(s -> assertThat(s.commFactor()).isCloseTo(1, within(1e-9)));
  }

  private static StepTimeModel.Sharing point(StepTimeModel.Calibration c, int workers, int batch) {
    return c.sharing().stream()
        .filter(s -> s.workers() == workers && s.batch() == batch)
        .findFirst()
        .orElseThrow();
  }

  /** The model, calibrated on runs made from known costs, predicts a two-worker run from them. */
  @Test
  void predictionsOfRunsMadeWithTheCalibratedCostsAreExact() {
    List<RunResult> runs = new ArrayList<>(SweepFixtures.calibration(CNN));
    RunSpec two = CNN.with("scaling", 2, "lat=5ms");
    // Forward/backward of 60 samples on a shared host, the ring over the relay with 5 ms latency.
    double compute = 1.5 * (1 + 0.5 * 60);
    double data = 1.5 * 0.01 * 60;
    double alpha = 300e-6 + 5e-3;
    double bytes = 1_686_568;
    // Two buckets, each a 2-process ring (2 messages), plus 0.4 ms packing: the calibration runs
    // moved their bytes exactly as the model says (a factor of 1).
    double comm = (4 * alpha + bytes * 2e-9 + bytes / 2 * 0.25e-9) * 1e3 + 0.4;
    // The overhead at 60 samples lies halfway, in log(batch), between 0.5 ms at 30 and 1 ms at 120.
    double overhead = 0.75;
    double local = compute + data + 4 + overhead;
    runs.add(SweepFixtures.run(two, data, compute, comm, 0.1 * local, 4, overhead, List.of(0.7)));
    RunResult r = Predictions.apply(runs, SweepFixtures.PATHS, 2).runs().get(7);
    assertThat(r.spec()).isEqualTo(two);
    assertThat(r.predictionError()).isCloseTo(0, within(0.01));
  }

  @Test
  void saysWhichRunsAreMissing() {
    assertThatThrownBy(
            () -> Calibrations.fit("cnn", SweepFixtures.calibration(CNN).subList(0, 5), 2, DIRECT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("runs of two and of more single-thread workers");
  }
}
