package dev.cohort.lab.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.metrics.StepRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {

  /** A finished run of 20 steps whose phases take 1, 2, 3, 4 and 5 ms and the step 20 ms. */
  private static void finishedRun(Path dir) throws IOException {
    EffectiveConfig config = EffectiveConfig.of(TrainConfig.defaults(), 2, "test data");
    config.withLayout(10, List.of(4000, 8000)).write(dir.resolve(EffectiveConfig.FILE));
    try (MetricsCsv csv = MetricsCsv.create(dir.resolve(MetricsCsv.FILE))) {
      for (int i = 0; i < 20; i++) {
        // The first steps are slow (warm-up) and must not move the medians.
        long slow = i < 5 ? 100 : 1;
        csv.write(
            new StepRecord(
                i,
                0,
                1f,
                64,
                slow * 1_000_000,
                slow * 2_000_000,
                slow * 3_000_000,
                slow * 4_000_000,
                slow * 5_000_000,
                slow * 20_000_000));
      }
    }
    new RunSummary(
            config,
            List.of(
                new RunSummary.Epoch(1, 0.5, 0.8, 3.0), new RunSummary.Epoch(2, 0.4, 0.85, 6.0)),
            20,
            null,
            6.0,
            7.0,
            1500.0,
            new RunSummary.StepTimes(1, 2, 3, 4, 5, 5, 20),
            List.of(300L << 20, 320L << 20),
            0.85,
            0.9,
            new TreeMap<>(Map.of("noise", 0.7)),
            0.4,
            null)
        .write(dir.resolve(RunSummary.FILE));
  }

  @Test
  void aRunFolderShouldBeReadIntoMediansAfterTheWarmUpAndTheSummary(@TempDir Path dir)
      throws IOException {
    finishedRun(dir);
    Measured m = RunFolder.read(dir);
    assertThat(
            List.of(m.dataMs(), m.computeMs(), m.commMs(), m.waitMs(), m.optimizerMs(), m.stepMs()))
        .containsExactly(1.0, 2.0, 3.0, 4.0, 5.0, 20.0);
    assertThat(m.samplesPerSecond()).isEqualTo(1500.0);
    assertThat(m.steps()).isEqualTo(20);
    assertThat(m.testAccuracy()).containsExactly(0.8, 0.85);
    assertThat(m.epochSeconds()).containsExactly(3.0, 6.0);
    assertThat(m.finalTrainAccuracy()).isEqualTo(0.9);
    assertThat(m.shiftedAccuracy()).containsEntry("noise", 0.7);
    assertThat(m.peakMemoryBytes()).isEqualTo(320L << 20);
    assertThat(m.bucketBytes()).containsExactly(4000, 8000);
    assertThat(m.parameters()).isEqualTo(3000.0);
  }

  @Test
  void aRunWithoutSummaryShouldBeReportedAsUnfinished(@TempDir Path dir) throws IOException {
    finishedRun(dir);
    Files.delete(dir.resolve(RunSummary.FILE));
    assertThatThrownBy(() -> RunFolder.read(dir)).hasMessageContaining("the run did not finish");
  }
}
