package dev.cohort.train.ddp;

import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.PrivateFiles;
import dev.cohort.checkpoint.ShardFile;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writing a checkpoint of sharded state the way it is held: every rank writes its own slices into a
 * shard file of the checkpoint being written, synchronously and at once, so that no rank gathers
 * the whole state; rank 0 then writes the rest (parameters every rank holds, buffers) and a
 * manifest naming every shard with its size and checksum, and commits the folder with one rename. A
 * checkpoint is complete when its manifest is in place; reading it gives the whole arrays back, on
 * any number of ranks ({@link CheckpointStore#load}).
 *
 * <p>Every rank must see the checkpoint folder (one host, or a shared file system): {@link
 * #sharedFolder} checks it once, and where it does not hold, checkpoints gather to rank 0 instead.
 */
final class ShardedCheckpoints {
  private final ProcessGroup pg;
  private final CheckpointStore store;

  /** What one sharded write cost and wrote. */
  record Written(long nanos, long bytes) {}

  ShardedCheckpoints(ProcessGroup pg, CheckpointStore store) {
    this.pg = pg;
    this.store = store;
  }

  /**
   * Whether every rank sees {@code dir} as rank 0 does, and can write there: rank 0 leaves a file
   * of a random name, every rank looks for it and writes one of its own beside it. Collective.
   *
   * @param dir this rank's checkpoint folder (null when it has none)
   */
  static boolean sharedFolder(ProcessGroup pg, Path dir) {
    long[] token = {pg.rank() == 0 ? new SecureRandom().nextLong() & Long.MAX_VALUE : 0};
    pg.broadcast(token, 0);
    String name = ".shared-" + Long.toHexString(token[0]);
    int[] ok = {0};
    if (pg.rank() == 0 && dir != null) {
      try {
        PrivateFiles.createDirectories(dir);
        PrivateFiles.newOutputStream(dir.resolve(name)).close();
      } catch (IOException | RuntimeException e) {
        // rank 0 cannot write there either: sharded writes are off, as the MIN below tells all
      }
    }
    pg.barrier(); // rank 0's file is there before anyone looks
    Path mine = dir == null ? null : dir.resolve(name + "-" + pg.rank());
    try {
      // Sees rank 0's file, and can write a file of its own beside it.
      if (mine != null && Files.exists(dir.resolve(name))) {
        if (pg.rank() != 0) {
          PrivateFiles.newOutputStream(mine).close();
          Files.delete(mine);
        }
        ok[0] = 1;
      }
    } catch (IOException | RuntimeException e) {
      ok[0] = 0;
    }
    pg.allReduce(ok, ReduceOp.MIN);
    if (pg.rank() == 0 && dir != null) {
      try {
        Files.deleteIfExists(dir.resolve(name));
      } catch (IOException e) {
        // A leftover empty probe file is harmless; the checkpoints are what matter.
      }
    }
    return ok[0] == 1;
  }

  /**
   * Writes this rank's {@code slices} and, on rank 0, {@code rest} (the unsliced arrays and the
   * position) and the manifest. Collective.
   *
   * @param rest on rank 0; ignored elsewhere
   * @throws IllegalStateException on every rank when any rank could not write, naming it
   */
  Written save(long step, Map<String, float[]> slices, TrainingState rest) {
    long t0 = System.nanoTime();
    String problem = null;
    if (pg.rank() == 0) {
      try {
        store.beginSharded(step);
      } catch (IOException | RuntimeException e) {
        problem = "rank 0 cannot make the checkpoint folder: " + e.getMessage();
      }
    }
    long[] begun = {problem == null ? 1 : 0};
    pg.broadcast(begun, 0);
    if (begun[0] == 0) {
      throw new IllegalStateException(
          problem != null ? problem : "rank 0 could not begin the checkpoint of step " + step);
    }
    long[] mine;
    try {
      mine = store.writeShard(step, pg.rank(), pg.size(), slices).toLongs();
    } catch (IOException | RuntimeException e) {
      problem = "rank " + pg.rank() + ": " + e.getMessage();
      mine = ShardFile.failed();
    }
    long[] all = pg.allGather(mine);
    List<ShardFile> shards = new ArrayList<>();
    long bytes = 0;
    for (int r = 0; r < pg.size(); r++) {
      if (all[6 * r] != 1) {
        throw new IllegalStateException(
            problem != null
                ? problem
                : "rank " + r + " could not write its shard of the checkpoint of step " + step);
      }
      ShardFile f = ShardFile.fromLongs(all, 6 * r, r, pg.size());
      shards.add(f);
      bytes += f.bytes();
    }
    long[] committed = {1};
    if (pg.rank() == 0) {
      try {
        store.commitSharded(rest, shards);
        bytes += rest.bytes();
      } catch (IOException | RuntimeException e) {
        problem = e.getMessage();
        committed[0] = 0;
      }
    }
    pg.broadcast(committed, 0);
    if (committed[0] == 0) {
      throw new IllegalStateException(
          problem != null ? problem : "rank 0 could not commit the checkpoint of step " + step);
    }
    return new Written(System.nanoTime() - t0, bytes);
  }
}
