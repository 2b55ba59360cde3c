package dev.cohort.train.ddp;

import dev.cohort.checkpoint.AsyncCheckpointWriter;
import dev.cohort.checkpoint.CheckpointFolders;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.Checkpointing;
import dev.cohort.train.TrainConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainer's side of checkpointing. Parameters are the same on every rank, and so is the
 * optimizer's state unless it is sharded, so rank 0 alone writes them: it copies them to memory on
 * the training thread (the only pause training sees) and an {@link AsyncCheckpointWriter} does the
 * rest. Sharded state ({@code --zero 1|2|3}: the optimizer's, and with {@code --zero 3} the
 * parameters) is written as it is held: every rank writes its shard, rank 0 the rest and a manifest
 * ({@link ShardedCheckpoints}), or, where the ranks do not share the folder, it is gathered to rank
 * 0 ({@link OptimizerState}). On resume rank 0 picks the newest checkpoint that verifies, every
 * rank loads that one (shards read back as whole arrays) and takes its part of the state.
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
  private final ShardedCheckpoints sharded; // null: rank 0 writes everything
  private final PrintStream log;
  private long snapshotNanos;
  private long writeNanos;
  private long bytes;
  private int written;
  private boolean closed;

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
    this.sharded = cfg.every() > 0 && optimizer.sliced() ? shardedIfShared(runDir) : null;
  }

  /**
   * Sharded writes when every rank sees rank 0's checkpoint folder; else null, and rank 0 says that
   * checkpoints gather to it. Collective.
   */
  private ShardedCheckpoints shardedIfShared(Path runDir) {
    Path dir = runDir == null ? null : CheckpointFolders.of(runDir);
    if (ShardedCheckpoints.sharedFolder(pg, dir)) {
      return new ShardedCheckpoints(pg, new CheckpointStore(dir, cfg.keep()));
    }
    if (pg.rank() == 0) {
      log.println(
          "checkpoints: not every worker sees "
              + dir
              + " (no shared file system?): each checkpoint gathers the sharded state to rank 0"
              + " instead of every worker writing its own shard");
    }
    return null;
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
    if (sharded != null) {
      saveSharded(step, nextEpoch, nextBatch);
      return;
    }
    if (writer == null && !optimizer.collective()) {
      return;
    }
    long t0 = System.nanoTime();
    Map<String, float[]> optimizerState = optimizer.snapshot(); // gathered when sharded
    if (writer == null) {
      return;
    }
    TrainingState s = withModel(step, nextEpoch, nextBatch, optimizerState);
    snapshotNanos += System.nanoTime() - t0;
    try {
      record(writer.submit(s));
    } catch (IOException e) {
      throw new UncheckedIOException("checkpoint failed: " + e.getMessage(), e);
    }
  }

  /**
   * Every rank writes its slices of the sharded state, rank 0 the rest; synchronous, on the
   * training thread. Collective.
   */
  private void saveSharded(long step, int nextEpoch, int nextBatch) {
    Map<String, float[]> slices = optimizer.slices();
    Map<String, float[]> rest = optimizer.rest(); // collective where it gathers
    TrainingState whole = pg.rank() == 0 ? withModel(step, nextEpoch, nextBatch, rest) : null;
    ShardedCheckpoints.Written w = sharded.save(step, slices, whole);
    snapshotNanos += w.nanos();
    writeNanos += w.nanos();
    bytes = w.bytes();
    written++;
  }

  /**
   * The position and rank 0's arrays: the parameters (unless the optimizer's state holds them), the
   * buffers, then {@code optimizerArrays}, copied out of the live model.
   */
  private TrainingState withModel(
      long step, int nextEpoch, int nextBatch, Map<String, float[]> optimizerArrays) {
    Map<String, float[]> arrays = new LinkedHashMap<>();
    if (!optimizer.holdsParameters()) {
      copyOut(state.parameters(), "parameter/", arrays);
    }
    copyOut(state.buffers(), "buffer/", arrays);
    arrays.putAll(optimizerArrays);
    return new TrainingState(step, nextEpoch, nextBatch, arrays, meta);
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

  private void record(AsyncCheckpointWriter.Written w) {
    if (w != null) {
      writeNanos += w.nanos();
      bytes = w.bytes();
      written++;
    }
  }

  /**
   * Resumes if the configuration asks to, as rank 0 decides. Collective.
   *
   * @return the restored position, or null to start fresh
   */
  TrainingState resumeIfAsked() {
    return new CheckpointResume(pg, cfg, resumeDir, state, optimizer, meta, log).resumeIfAsked();
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
