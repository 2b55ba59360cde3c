package dev.cohort.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharded checkpoints: every rank's slices in a file of its own, a manifest naming them with their
 * sizes and checksums, read back as whole arrays; a corrupted, missing or incomplete shard makes
 * the checkpoint unusable, with a fall-back to an older one that says why.
 */
class ShardedCheckpointTest {
  @TempDir Path dir;

  /** A whole array of 7 values cut over 2 ranks (4 + 3), and one held by rank 0 alone. */
  private static Map<String, float[]> slices(int rank) {
    Map<String, float[]> m = new LinkedHashMap<>();
    if (rank == 0) {
      m.put(ShardFile.sliceName("optimizer/first/0", 0, 7), new float[] {0, 1, 2, 3});
      m.put(ShardFile.sliceName("optimizer/first/1", 0, 2), new float[] {-1, -2});
    } else {
      m.put(ShardFile.sliceName("optimizer/first/0", 4, 7), new float[] {4, 5, 6});
    }
    return m;
  }

  private static TrainingState unsliced(long step) {
    return new TrainingState(
        step, 1, 5, Map.of("buffer/0", new float[] {9, 8}), Map.of("model", "mlp"));
  }

  private Path write(CheckpointStore store, long step, int shards) throws IOException {
    store.beginSharded(step);
    List<ShardFile> files = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      ShardFile f = store.writeShard(step, r, 2, slices(r));
      // Through a collective's longs and back, as the ranks send them to rank 0.
      files.add(ShardFile.fromLongs(f.toLongs(), 0, r, 2));
    }
    return store.commitSharded(unsliced(step), files.subList(0, shards));
  }

  @Test
  void theShardsShouldReadBackAsWholeArrays() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 2);
    Path ckpt = write(store, 30, 2);
    TrainingState back = store.load(ckpt);
    assertThat(back.step()).isEqualTo(30);
    assertThat(back.arrays().get("optimizer/first/0")).containsExactly(0, 1, 2, 3, 4, 5, 6);
    assertThat(back.arrays().get("optimizer/first/1")).containsExactly(-1, -2);
    assertThat(back.arrays().get("buffer/0")).containsExactly(9, 8);
    assertThat(Files.readString(ckpt.resolve("manifest.json")))
        .contains("shard-0-of-2.bin", "shard-1-of-2.bin");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(ckpt.resolve("shard-1-of-2.bin"))))
        .isEqualTo("rw-------");
    assertThat(store.shardFolder(30)).doesNotExist();
  }

  @Test
  void aCorruptedShardShouldFallBackToAnOlderCheckpoint() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    write(store, 10, 2);
    Path newest = write(store, 20, 2);
    try (RandomAccessFile f =
        new RandomAccessFile(newest.resolve("shard-1-of-2.bin").toFile(), "rw")) {
      f.seek(f.length() - 2);
      f.write(0x7f);
    }
    List<String> warnings = new ArrayList<>();
    assertThat(store.loadNewest(warnings::add).orElseThrow().state().step()).isEqualTo(10);
    assertThat(warnings)
        .singleElement()
        .asString()
        .contains("ckpt-000000020", "SHA-256 of shard-1-of-2.bin", "falling back");
  }

  @Test
  void aMissingShardShouldSaySo() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    Path ckpt = write(store, 10, 2);
    Files.delete(ckpt.resolve("shard-0-of-2.bin"));
    List<String> warnings = new ArrayList<>();
    assertThat(store.loadNewest(warnings::add)).isEmpty();
    assertThat(warnings).singleElement().asString().contains("shard-0-of-2.bin is missing");
  }

  @Test
  void aShardLeftOutShouldMakeTheArraysIncomplete() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    Path ckpt = write(store, 10, 1); // the manifest names rank 0's shard only
    List<String> warnings = new ArrayList<>();
    assertThat(store.loadNewest(warnings::add)).isEmpty();
    assertThat(warnings)
        .singleElement()
        .asString()
        .contains("the shards hold 4 of the 7 values of optimizer/first/0 (incomplete)");
    assertThat(ckpt).isDirectory();
  }

  @Test
  void overlappingSlicesShouldBeCorruption() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.beginSharded(5);
    List<ShardFile> files = new ArrayList<>();
    files.add(store.writeShard(5, 0, 2, slices(0)));
    // Values 3..6 where rank 0 holds 0..3: 7 values in all, one of them twice, one missing.
    files.add(
        store.writeShard(
            5, 1, 2, Map.of(ShardFile.sliceName("optimizer/first/0", 3, 7), new float[3])));
    store.commitSharded(unsliced(5), files);
    List<String> warnings = new ArrayList<>();
    assertThat(store.loadNewest(warnings::add)).isEmpty();
    assertThat(warnings).singleElement().asString().contains("overlaps another slice");
  }

  @Test
  void aFailedShardShouldBeNamedWhenRank0Collects() {
    long[] words = new long[12];
    System.arraycopy(new ShardFile("x", 5, "00".repeat(32)).toLongs(), 0, words, 0, 6);
    System.arraycopy(ShardFile.failed(), 0, words, 6, 6);
    assertThat(ShardFile.fromLongs(words, 0, 0, 2).bytes()).isEqualTo(5);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShardFile.fromLongs(words, 6, 1, 2))
        .hasMessage("rank 1 could not write its checkpoint shard");
  }
}
