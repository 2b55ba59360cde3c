package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with BatchNorm trained by 2 workers: its running statistics (buffers, no gradient) end
 * bitwise equal on both ranks and are in the checkpoint; with SyncBatchNorm, 2 workers with batch
 * B/2 end where 1 worker with plain BatchNorm and batch B ends, parameters and running statistics.
 */
@Timeout(300)
class BatchNormTrainingTest {
  /** cnn-bn: 2 conv (weight, bias) + 2 BatchNorm (gamma, beta, mean, var) + 2 dense. */
  private static final int TENSORS = 16;

  private static final int BUFFERS = 4;
  private static final int STEPS = 20;

  @Test
  void runningStatisticsShouldBeIdenticalOnEveryRankAndCheckpointed(@TempDir Path dir)
      throws Exception {
    List<float[]> ranks = train(dir, 2, 32, false, 10);
    assertThat(ranks.get(1)).as("rank 1's whole state, buffers included").isEqualTo(ranks.get(0));
    CheckpointStore store = new CheckpointStore(dir.resolve("checkpoints"), 3);
    TrainingState s = store.load(store.path(10));
    List<String> keys = new ArrayList<>(s.arrays().keySet());
    assertThat(keys.stream().filter(k -> k.startsWith("parameter/"))).hasSize(TENSORS - BUFFERS);
    assertThat(keys.stream().filter(k -> k.startsWith("buffer/"))).hasSize(BUFFERS);
    // The checkpoint after the last step holds the final state: its buffers are the dumped ones.
    for (int b = 0; b < BUFFERS; b++) {
      float[] buffer = s.arrays().get("buffer/" + b);
      assertThat(buffer).hasSize(b < 2 ? 32 : 64);
      assertThat(contains(ranks.get(0), buffer)).as("checkpointed buffer %d", b).isTrue();
    }
    // And the statistics did move: they are not the initial zeros and ones.
    assertThat(s.arrays().get("buffer/0")).isNotEqualTo(new float[32]);
    assertThat(dir.resolve("model/cnn-bn-0000.params")).as("the final model").exists();
  }

  @Test
  void syncBatchNormWithHalfBatchesShouldMatchBatchNormWithTheWholeBatch(@TempDir Path dir)
      throws Exception {
    float[] one = train(dir.resolve("np1"), 1, 64, false, STEPS).get(0);
    List<float[]> two = train(dir.resolve("np2"), 2, 32, true, STEPS);
    assertThat(two.get(1)).isEqualTo(two.get(0));
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < one.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(one[i]));
      maxDiff = Math.max(maxDiff, Math.abs(one[i] - two.get(0)[i]));
    }
    System.out.printf(
        "SyncBatchNorm 2x32 vs BatchNorm 1x64 after 20 steps: max |value| %.4f, max difference"
            + " %.3g, relative %.3g%n",
        maxAbs, maxDiff, maxDiff / maxAbs);
    assertThat(maxDiff / maxAbs).as("relative difference").isLessThan(1e-5);
    // Plain BatchNorm on 2 workers normalizes each half on its own: a different model.
    float[] plain = train(dir.resolve("np2-plain"), 2, 32, false, STEPS).get(0);
    double plainDiff = 0;
    for (int i = 0; i < one.length; i++) {
      plainDiff = Math.max(plainDiff, Math.abs(one[i] - plain[i]));
    }
    assertThat(plainDiff / maxAbs).as("without SyncBatchNorm").isGreaterThan(1e-4);
  }

  private static boolean contains(float[] all, float[] part) {
    outer:
    for (int at = 0; at + part.length <= all.length; at++) {
      for (int i = 0; i < part.length; i++) {
        if (Float.floatToRawIntBits(all[at + i]) != Float.floatToRawIntBits(part[i])) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** Plain SGD on cnn-bn; returns each rank's final state (parameters and buffers). */
  private static List<float[]> train(Path dir, int nproc, int batch, boolean syncBn, int steps)
      throws Exception {
    Files.createDirectories(dir);
    Path dump = dir.resolve("state");
    WorkerArgs worker =
        WorkerArgs.of(
            TrainConfig.builder()
                .model("cnn-bn")
                .optimizer("sgd")
                .learningRate(0.01f)
                .batch(batch)
                .seed(3)
                .syncBatchNorm(syncBn)
                .trainLimit(2048)
                .testLimit(500)
                .maxSteps(steps)
                .checkpointEvery(10)
                .runDir(dir)
                .progress(false)
                .build());
    return ParamDumps.train(dir, nproc, worker, dump);
  }
}
