package dev.cohort.train.ddp;

import dev.cohort.checkpoint.AsyncCheckpointWriter;
import dev.cohort.checkpoint.CheckpointFolders;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.Checkpointing;
import dev.cohort.train.TrainConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainer's side of checkpointing. Parameters are the same on every rank, and so is the
 * optimizer's state unless it is sharded ({@code --zero 1|2|3}: then it is gathered to rank 0
 * first, {@link OptimizerState}, and with {@code --zero 3} so are the parameters), so rank 0 alone
 * writes them: it copies them to memory on the training thread (the only pause training sees) and
 * an {@link AsyncCheckpointWriter} does the rest. On resume rank 0 picks the newest checkpoint that
 * verifies, every rank loads that one and takes its part of the optimizer's state.
 *
 * <p>The whole model state is saved: trainable parameters ({@code parameter/<i>}) and buffers such
 * as BatchNorm's running statistics ({@code buffer/<i>}), both numbered in model order, and the
 * optimizer's state. Random state needs no arrays: the data order is a function of (seed, epoch),
 * and dropout's streams are reseeded from (seed, rank, step) at every step ({@link RandomStreams}),
 * so the step and the recorded seed and scheme restore them exactly.
 */
public final class Checkpoints implements AutoCloseable {
  private final ProcessGroup pg;
  private final Checkpointing cfg;
  private final ModelState state;
  private final Path resumeDir;
  private final OptimizerState optimizer;
  private final Map<String, Object> meta;
  private final AsyncCheckpointWriter writer;
  private final PrintStream log;
  private long snapshotNanos;
  private long writeNanos;
  private long bytes;
  private int written;
  private boolean closed;

  /**
   * Metadata every checkpoint has had; other keys are compared only when the checkpoint has them.
   */
  private static final List<String> REQUIRED_META =
      List.of("model", "parameter_count", "optimizer", "data_fingerprint");

  /** What checkpointing cost, for the run summary. */
  public record Stats(
      int count, double snapshotMillisMean, double writeMillisMean, long bytesEach) {}

  /**
   * @param train the run's configuration: checkpointing, and rank 0's run folder (checkpoints go to
   *     runDir/checkpoints; may be null elsewhere)
   * @param meta what a checkpoint must match to be resumed (model, sizes, seed, data fingerprint)
   */
  Checkpoints(
      ProcessGroup pg,
      TrainConfig train,
      ModelState state,
      OptimizerState optimizer,
      Map<String, Object> meta,
      PrintStream log) {
    this.pg = pg;
    this.cfg = train.checkpointing();
    Path runDir = train.runDir();
    this.resumeDir = cfg.resumeFrom() != null ? cfg.resumeFrom() : runDir;
    this.state = state;
    this.optimizer = optimizer;
    this.meta = meta;
    this.log = log;
    boolean writes = cfg.every() > 0 && pg.rank() == 0;
    if (writes && runDir == null) {
      throw new IllegalArgumentException("checkpointing needs a run folder (--run-dir)");
    }
    this.writer =
        writes
            ? new AsyncCheckpointWriter(
                new CheckpointStore(CheckpointFolders.of(runDir), cfg.keep()))
            : null;
  }

  /** True if this run writes checkpoints at all. */
  boolean enabled() {
    return cfg.every() > 0;
  }

  /** True when step {@code step} (counted from 1) should be checkpointed. */
  boolean due(long step) {
    return cfg.every() > 0 && step % cfg.every() == 0;
  }

  /**
   * Rank 0 snapshots and queues a checkpoint of the state after {@code step} steps. Collective: a
   * sharded optimizer's state is gathered to rank 0 first.
   */
  void save(long step, int nextEpoch, int nextBatch) {
    if (writer == null && !optimizer.collective()) {
      return;
    }
    long t0 = System.nanoTime();
    Map<String, float[]> optimizerState = optimizer.snapshot(); // gathered when sharded
    if (writer == null) {
      return;
    }
    Map<String, float[]> arrays = new LinkedHashMap<>();
    if (!optimizer.holdsParameters()) {
      copyOut(state.parameters(), "parameter/", arrays);
    }
    copyOut(state.buffers(), "buffer/", arrays);
    arrays.putAll(optimizerState);
    TrainingState s = new TrainingState(step, nextEpoch, nextBatch, arrays, meta);
    snapshotNanos += System.nanoTime() - t0;
    try {
      record(writer.submit(s));
    } catch (IOException e) {
      throw new UncheckedIOException("checkpoint failed: " + e.getMessage(), e);
    }
  }

  private static void copyOut(
      List<ModelState.Entry> entries, String prefix, Map<String, float[]> arrays) {
    for (int i = 0; i < entries.size(); i++) {
      ByteBuffer w = entries.get(i).view();
      float[] copy = new float[w.capacity() / 4];
      w.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(copy);
      arrays.put(prefix + i, copy);
    }
  }

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

  private void record(AsyncCheckpointWriter.Written w) {
    if (w != null) {
      writeNanos += w.nanos();
      bytes = w.bytes();
      written++;
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

  Stats stats() {
    return new Stats(
        written,
        written == 0 ? 0 : snapshotNanos / 1e6 / written,
        written == 0 ? 0 : writeNanos / 1e6 / written,
        bytes);
  }

  /** Waits for the last write. */
  @Override
  public void close() {
    if (writer != null && !closed) {
      closed = true;
      try {
        AsyncCheckpointWriter.Written last = writer.await();
        record(last);
        writer.close();
      } catch (IOException e) {
        throw new UncheckedIOException("checkpoint failed: " + e.getMessage(), e);
      }
    }
  }
}
