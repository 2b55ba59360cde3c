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
 * Gradients all-reduced segment by segment during the backward pass ({@code --backward-segments})
 * train exactly what one backward pass then the all-reduce trains: after 15 Adam steps of the MLP
 * with dropout, every worker's final state is bitwise equal to that of the unsegmented run. With
 * more than two workers the reduction order of a bucket's elements depends on the bucket layout, so
 * those runs use buckets of one parameter each, which no segment boundary changes.
 */
@Timeout(600)
class SegmentedTrainingTest {

  @Test
  void oneWorkerShouldTrainBitwiseWhatItTrainsUnsegmented(@TempDir Path dir) throws Exception {
    assertSame(train(dir.resolve("k1"), 1, 1, 25_000_000), train(dir.resolve("k3"), 1, 3, 25_000));
  }

  @Test
  void twoWorkersShouldTrainBitwiseWhatTheyTrainUnsegmented(@TempDir Path dir) throws Exception {
    // Two ranks add in either order to the same float: any bucket layout gives the same sums.
    List<float[]> whole = train(dir.resolve("k1"), 2, 1, 25_000_000);
    assertSame(whole, train(dir.resolve("k2"), 2, 2, 25_000_000));
    assertSame(whole, train(dir.resolve("k4"), 2, 4, 25_000_000));
  }

  @Test
  void threeWorkersWithOneParameterPerBucketShouldTrainBitwiseTheSame(@TempDir Path dir)
      throws Exception {
    assertSame(train(dir.resolve("k1"), 3, 1, 1024), train(dir.resolve("k3"), 3, 3, 1024));
  }

  private static void assertSame(List<float[]> want, List<float[]> got) {
    assertThat(got).hasSameSizeAs(want);
    for (int r = 0; r < want.size(); r++) {
      assertThat(got.get(r)).as("rank %d's final state", r).isEqualTo(want.get(r));
    }
  }

  /** Adam, dropout drawing randoms, 15 steps; every rank's final state. */
  private static List<float[]> train(Path dir, int nproc, int segments, long bucketBytes)
      throws Exception {
    Files.createDirectories(dir);
    WorkerArgs worker =
        WorkerArgs.of(
            TrainConfig.builder()
                .model("mlp-dropout")
                .batch(32)
                .seed(5)
                .bucketBytes(bucketBytes)
                .backwardSegments(segments)
                .trainLimit(2048)
                .testLimit(200)
                .maxSteps(15)
                .progress(false)
                .build());
    return ParamDumps.train(dir, nproc, worker, dir.resolve("params"));
  }
}
