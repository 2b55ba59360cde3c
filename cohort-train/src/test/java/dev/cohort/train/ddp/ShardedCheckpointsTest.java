package dev.cohort.train.ddp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.ShardFile;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.train.tensor.TensorRanks;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ranks' side of a sharded checkpoint: a folder every rank sees is found shared and one that
 * they do not is not; every rank's slices and rank 0's rest come back whole; a rank that cannot
 * write its shard fails the checkpoint on every rank, by name, with nothing committed.
 */
class ShardedCheckpointsTest {
  @TempDir Path dir;

  private static Map<String, float[]> slices(int rank) {
    return Map.of(
        ShardFile.sliceName("optimizer/first/0", 3L * rank, 6), new float[] {rank, rank, rank});
  }

  @Test
  void aFolderEveryRankSeesShouldBeShared() throws Exception {
    Path shared = dir.resolve("shared");
    assertThat(TensorRanks.run(2, pg -> ShardedCheckpoints.sharedFolder(pg, shared)))
        .containsOnly(true);
    assertThat(
            TensorRanks.run(
                2,
                pg ->
                    ShardedCheckpoints.sharedFolder(pg, dir.resolve("rank-" + pg.rank() + "-own"))))
        .containsOnly(false);
    assertThat(
            TensorRanks.run(
                2, pg -> ShardedCheckpoints.sharedFolder(pg, pg.rank() == 0 ? shared : null)))
        .containsOnly(false);
    assertThat(shared.toFile().list()).isEmpty(); // the probe is gone
  }

  @Test
  void everyRanksSlicesAndTheRestShouldReadBackWhole() throws Exception {
    CheckpointStore store = new CheckpointStore(dir, 2);
    TensorRanks.run(
        2,
        pg ->
            new ShardedCheckpoints(pg, store)
                .save(
                    7,
                    slices(pg.rank()),
                    pg.rank() == 0
                        ? new TrainingState(
                            7, 1, 2, Map.of("buffer/0", new float[] {5}), Map.of("model", "m"))
                        : null));
    TrainingState back = store.loadNewest(w -> {}).orElseThrow().state();
    assertThat(back.step()).isEqualTo(7);
    assertThat(back.arrays().get("optimizer/first/0")).containsExactly(0, 0, 0, 1, 1, 1);
    assertThat(back.arrays().get("buffer/0")).containsExactly(5);
  }

  @Test
  void aRankThatCannotWriteShouldFailTheCheckpointEverywhere() throws Exception {
    CheckpointStore store = new CheckpointStore(dir.resolve("good"), 2);
    // Rank 1's store has no shard folder: its write fails, as on a full or unshared disk.
    CheckpointStore elsewhere = new CheckpointStore(dir.resolve("nowhere"), 2);
    List<String> errors =
        TensorRanks.run(
            2,
            pg -> {
              try {
                new ShardedCheckpoints(pg, pg.rank() == 0 ? store : elsewhere)
                    .save(
                        3,
                        slices(pg.rank()),
                        new TrainingState(3, 0, 0, Map.of(), Map.of("model", "m")));
                return "saved";
              } catch (IllegalStateException e) {
                return e.getMessage();
              }
            });
    assertThat(errors.get(0)).startsWith("rank 1 could not write its shard");
    assertThat(errors.get(1)).startsWith("rank 1: could not write checkpoint shard");
    assertThat(store.steps()).isEmpty();
  }
}
