package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.WorkerArgs;
import dev.cohort.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-parallel contract: 2 workers with batch B/2 end where 1 worker with batch B ends, given
 * the same seed and data order (plain SGD, 20 steps), and both workers hold the same parameters.
 */
@Timeout(300)
class TrainingEquivalenceTest {

  @Test
  void twoWorkersWithHalfBatchesShouldMatchOneWorkerWithTheWholeBatch(@TempDir Path dir)
      throws Exception {
    float[] one = train(dir.resolve("np1"), 1, 64).get(0);
    List<float[]> two = train(dir.resolve("np2"), 2, 32);
    assertThat(two.get(0)).as("both workers hold identical parameters").isEqualTo(two.get(1));
    assertThat(one.length).isEqualTo(two.get(0).length).isGreaterThan(100_000);
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < one.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(one[i]));
      maxDiff = Math.max(maxDiff, Math.abs(one[i] - two.get(0)[i]));
    }
    System.out.printf(
        "max |param| %.4f, max difference %.3g, relative %.3g%n",
        maxAbs, maxDiff, maxDiff / maxAbs);
    assertThat(maxDiff / maxAbs).as("relative difference").isLessThan(1e-5);
    // Gradient accumulation: 2 workers x 2 micro-batches of 16 also make one step of 64.
    float[] accumulated = train(dir.resolve("np2-acc2"), 2, 16, 20, 2).get(0);
    double accDiff = 0;
    for (int i = 0; i < one.length; i++) {
      accDiff = Math.max(accDiff, Math.abs(one[i] - accumulated[i]));
    }
    assertThat(accDiff / maxAbs).as("relative difference with accumulation").isLessThan(1e-5);
    // And training did move the parameters: the check is not comparing two initializations.
    float[] init = train(dir.resolve("np1-0"), 1, 64, 0).get(0);
    double moved = 0;
    for (int i = 0; i < one.length; i++) {
      moved = Math.max(moved, Math.abs(one[i] - init[i]));
    }
    assertThat(moved).isGreaterThan(1e-3);
  }

  private static List<float[]> train(Path dir, int nproc, int batch) throws Exception {
    return train(dir, nproc, batch, 20);
  }

  private static List<float[]> train(Path dir, int nproc, int batch, int steps) throws Exception {
    return train(dir, nproc, batch, steps, 1);
  }

  /** Plain SGD; 0 steps means one step at a vanishing learning rate: the initial parameters. */
  private static List<float[]> train(Path dir, int nproc, int batch, int steps, int accumulation)
      throws Exception {
    Files.createDirectories(dir);
    Path dump = dir.resolve("params");
    WorkerArgs worker =
        WorkerArgs.of(
            TrainConfig.builder()
                .model("mlp")
                .optimizer("sgd")
                .batch(batch)
                .accumulation(accumulation)
                .seed(3)
                .trainLimit(4096)
                .testLimit(500)
                .maxSteps(Math.max(1, steps))
                .learningRate(steps == 0 ? 1e-30f : 0.1f)
                .progress(false)
                .build());
    return ParamDumps.train(dir, nproc, worker, dump);
  }
}
