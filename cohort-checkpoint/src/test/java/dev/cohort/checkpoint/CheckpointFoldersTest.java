package dev.cohort.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A staged model's checkpoints: one store per stage, written at once by several processes into one
 * run folder, and seen by a restart as checkpoints to resume from.
 */
class CheckpointFoldersTest {
  @TempDir Path run;

  private static TrainingState state(long step) {
    return new TrainingState(step, 0, 0, Map.of("parameter/0", new float[] {1, 2}), Map.of());
  }

  @Test
  void stagesWrittenAtOnceShouldAllLandAndCountAsCheckpoints() throws Exception {
    Path checkpoints = CheckpointFolders.of(run);
    assertThat(CheckpointFolders.hasAny(checkpoints)).isFalse();
    int stages = 4;
    CyclicBarrier start = new CyclicBarrier(stages);
    List<CompletableFuture<Path>> writes = new ArrayList<>();
    for (int s = 0; s < stages; s++) {
      Path dir = CheckpointFolders.stage(checkpoints, s);
      writes.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  start.await(); // every stage creates checkpoints/ at the same moment
                  return new CheckpointStore(dir, 3).write(state(10));
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    for (var w : writes) {
      assertThat(w.get()).isDirectory();
    }
    assertThat(CheckpointFolders.hasAny(checkpoints)).isTrue();
    assertThat(CheckpointFolders.describe(checkpoints, 10))
        .isEqualTo(checkpoints.resolve("stage-*/ckpt-000000010").toString());
  }

  @Test
  void aWholeModelsCheckpointShouldBeNamedByItsFolder() throws IOException {
    Path checkpoints = CheckpointFolders.of(run);
    Path written = new CheckpointStore(checkpoints, 3).write(state(7));
    assertThat(CheckpointFolders.hasAny(checkpoints)).isTrue();
    assertThat(CheckpointFolders.describe(checkpoints, 7)).isEqualTo(written.toString());
  }

  @Test
  void aFileWhereAFolderBelongsShouldStillBeAnError() throws IOException {
    Files.writeString(run.resolve("checkpoints"), "not a folder");
    assertThatThrownBy(() -> PrivateFiles.createDirectories(run.resolve("checkpoints/stage-0")))
        .isInstanceOf(FileAlreadyExistsException.class);
  }
}
