package dev.cohort.lab.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.cohort.train.model.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compute rate and fixed cost learned from bench pipeline's one-rank runs. */
class GptComputeTest {

  private static String run(int ranks, int m, int threads, double fb) {
    return String.format(
        java.util.Locale.ROOT,
        "{\"case\":{\"ranks\":%d,\"schedule\":\"1f1b\",\"microBatches\":%d,\"threads\":%d},"
            + "\"runs\":[{\"phases\":{\"forward_backward\":%s,\"step\":1}}]}",
        ranks,
        m,
        threads,
        fb);
  }

  @Test
  void theSlopeOverMicroBatchesShouldBeTheFixedCostAndTheRestTheRate(@TempDir Path dir)
      throws Exception {
    Path json = dir.resolve("pipeline.json");
    Files.writeString(
        json,
        "{\"options\":{\"model\":\"gpt\",\"globalBatch\":16},\"results\":["
            + String.join(
                ",",
                run(1, 1, 0, 103),
                run(1, 4, 0, 112),
                run(1, 4, 1, 500), // one thread: not the all-cores calibration
                run(2, 4, 0, 60)) // a pipeline: not a calibration
            + "]}");
    GptCompute c = GptCompute.fromBench(json);
    assertThat(c.fixedMs()).isCloseTo(3, within(1e-9));
    double flops = 16 * GptCompute.flopsPerSequence(Models.gptConfig("gpt"));
    assertThat(c.secondsPerFlop()).isCloseTo(0.100 / flops, within(1e-18));
    // 16 sequences in one micro-batch: the work of the batch and one fixed cost.
    assertThat(c.forwardBackwardMs(Models.gptConfig("gpt"), 16)).isCloseTo(103, within(1e-6));
  }

  @Test
  void aFileWithoutOneRankRunsShouldSaySo(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("pipeline.json");
    Files.writeString(
        json,
        "{\"options\":{\"model\":\"gpt\",\"globalBatch\":16},\"results\":["
            + run(2, 4, 0, 60)
            + "]}");
    assertThatThrownBy(() -> GptCompute.fromBench(json))
        .hasMessageContaining("has no one-rank runs of the language model");
    Files.writeString(json, "{not json");
    assertThatThrownBy(() -> GptCompute.fromBench(json)).hasMessageStartingWith("cannot read ");
  }
}
