package dev.cohort.train.ddp;

import dev.cohort.checkpoint.CheckpointFolders;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.Checkpointing;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Resuming from a checkpoint, as {@link Checkpoints} writes them: rank 0 picks the newest that
 * verifies (a sharded one read back whole), every rank loads that one, checks that it belongs to
 * this model, seed and data, and takes the parameters, the buffers and its part of the optimizer's
 * state.
 */
final class CheckpointResume {
  private final ProcessGroup pg;
  private final Checkpointing cfg;
  private final Path resumeDir;
  private final ModelState state;
  private final OptimizerState optimizer;
  private final Map<String, Object> meta;
  private final PrintStream log;

  CheckpointResume(
      ProcessGroup pg,
      Checkpointing cfg,
      Path resumeDir,
      ModelState state,
      OptimizerState optimizer,
      Map<String, Object> meta,
      PrintStream log) {
    this.pg = pg;
    this.cfg = cfg;
    this.resumeDir = resumeDir;
    this.state = state;
    this.optimizer = optimizer;
    this.meta = meta;
    this.log = log;
  }

  /**
   * Metadata every checkpoint has had; other keys are compared only when the checkpoint has them.
   */
  private static final List<String> REQUIRED_META =
      List.of("model", "parameter_count", "optimizer", "data_fingerprint");

  private static void copyIn(
      List<ModelState.Entry> entries, String prefix, TrainingState s, Path dir, int tensors) {
    for (int i = 0; i < entries.size(); i++) {
      float[] saved = s.arrays().get(prefix + i);
      ByteBuffer w = entries.get(i).view();
      if (saved == null || saved.length * 4 != w.capacity()) {
        throw new IllegalStateException(
            "the checkpoint in "
                + dir
                + " does not fit "
                + entries.get(i).describe(tensors)
                + ": "
                + (saved == null
                    ? "it has no " + prefix + i
                    : "it holds " + saved.length + " values, the model " + w.capacity() / 4));
      }
      w.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().put(saved);
    }
  }

  /**
   * Resumes if the configuration asks to, as rank 0 decides: with {@code onlyIfPresent}, only when
   * rank 0 finds a checkpoint in the folder. Collective.
   *
   * @return the restored position, or null to start fresh
   */
  TrainingState resumeIfAsked() {
    boolean wanted =
        cfg.resumeFrom() != null && (!cfg.onlyIfPresent() || hasCheckpoint(cfg.resumeFrom()));
    int[] flag = {pg.rank() == 0 && wanted ? 1 : 0};
    pg.allReduce(flag, ReduceOp.MAX); // rank 0's decision: the others contribute 0
    return flag[0] == 0 ? null : resume();
  }

  private boolean hasCheckpoint(Path run) {
    Path dir = CheckpointFolders.of(run);
    if (Files.isDirectory(dir) && !Files.isReadable(dir)) {
      // steps() would see none and the run would silently start over: say what is wrong instead.
      throw new UncheckedIOException(new IOException("cannot read " + dir + " to resume from"));
    }
    return CheckpointFolders.hasAny(dir);
  }

  /**
   * Loads the newest valid checkpoint of the run being resumed into the parameters and optimizer.
   * Collective. A checkpoint that fails a checksum (its manifest's covers the metadata) is
   * corrupted: rank 0 warns and falls back to an older one. A checkpoint that verifies but was
   * written for another model, seed or data is a real mismatch: an error.
   *
   * @return the restored position
   * @throws IllegalStateException if there is no usable checkpoint, or it belongs to another model
   */
  private TrainingState resume() {
    if (resumeDir == null) {
      throw new IllegalStateException(
          "rank " + pg.rank() + " is told to resume but has no run folder to resume from");
    }
    Path dir = CheckpointFolders.of(resumeDir);
    CheckpointStore store = new CheckpointStore(dir, cfg.keep());
    // No array of a checkpoint of this model holds more values than the whole model: a longer one
    // is corruption, refused before it is allocated.
    long limit = elements(state.parameters()) + elements(state.buffers());
    // Rank 0 picks (and has already loaded and verified) the newest good checkpoint; the others
    // load the one it names, so every rank resumes from the same step.
    TrainingState s =
        pg.rank() == 0
            ? store
                .loadNewest(w -> log.println("warning: " + w), limit)
                .map(CheckpointStore.Loaded::state)
                .orElse(null)
            : null;
    long[] step = {pg.rank() == 0 ? (s == null ? -1 : s.step()) : 0};
    pg.broadcast(step, 0);
    long chosen = step[0];
    if (chosen < 0) {
      throw new IllegalStateException("no usable checkpoint in " + dir + " to resume from");
    }
    if (s == null) {
      try {
        s = store.load(store.path(chosen), limit);
      } catch (IOException e) {
        throw new IllegalStateException(
            "rank "
                + pg.rank()
                + " cannot load the checkpoint of "
                + "step "
                + chosen
                + " that rank 0 chose: "
                + e.getMessage(),
            e);
      }
    }
    for (String key : meta.keySet()) {
      // Keys a checkpoint of an older version lacks are not compared; its arrays still must fit.
      boolean required = REQUIRED_META.contains(key);
      if ((required || s.meta().containsKey(key))
          && !String.valueOf(s.meta().get(key)).equals(String.valueOf(meta.get(key)))) {
        throw new IllegalStateException(
            "the checkpoint in "
                + dir
                + " has "
                + key
                + " "
                + s.meta().get(key)
                + ", this run has "
                + meta.get(key));
      }
    }
    if (!optimizer.holdsParameters()) {
      copyIn(state.parameters(), "parameter/", s, dir, state.size());
    }
    copyIn(state.buffers(), "buffer/", s, dir, state.size());
    optimizer.restore(s.arrays()); // with ZeRO-3, this rank's shards of the parameters too
    return s;
  }

  private static long elements(List<ModelState.Entry> entries) {
    long n = 0;
    for (ModelState.Entry e : entries) {
      n += e.elements();
    }
    return n;
  }
}
