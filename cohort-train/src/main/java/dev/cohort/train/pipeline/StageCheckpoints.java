package dev.cohort.train.pipeline;

import dev.cohort.checkpoint.AsyncCheckpointWriter;
import dev.cohort.checkpoint.CheckpointFolders;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.Checkpointing;
import dev.cohort.train.metrics.RunSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A pipeline's checkpoints, one store per stage ({@link CheckpointFolders#stage}). The first
 * pipeline's rank holding a stage writes it: it copies the stage's state to memory on the training
 * thread and a writer thread per stage does the rest, so the stages of a step are written in
 * parallel by their ranks. A step's checkpoint is whole when every stage has it; a crash between
 * two stages' writes leaves a partial step, which resuming skips. Old steps are pruned only once
 * every stage has finished writing the newer ones (the writers agree at each checkpoint), so the
 * steps kept are always whole.
 *
 * <p>On resume every rank reads its stages from the run folder (shared, as for data parallelism):
 * the ranks agree on the newest step whose every stage verifies, each loads its stages of that
 * step, and the step counter, data position and random streams continue from it.
 */
final class StageCheckpoints implements AutoCloseable {
  private final ProcessGroup world;
  private final ProcessGroup writersGroup;
  private final Map<Integer, CheckpointStore> pruned = new TreeMap<>();
  private final Checkpointing cfg;
  private final Path resumeDir;
  private final List<StageState> stages;
  private final Map<String, Object> meta;
  private final PrintStream log;
  private final Map<Integer, AsyncCheckpointWriter> writers = new TreeMap<>();
  private long snapshotNanos;
  private long writeNanos;
  private long stageWrites;
  private long bytesEach;
  private int saves;

  /**
   * @param writers the first pipeline's group, whose ranks write their stages; null on the other
   *     pipelines' ranks, which write nothing
   * @param runDir the run folder, or null when no checkpoints are written
   * @param meta what a checkpoint must match to be resumed (model, seed, data, ...); each stage's
   *     checkpoint also records the stage and its parameter count
   */
  StageCheckpoints(
      ProcessGroup world,
      Checkpointing cfg,
      Path runDir,
      List<StageState> stages,
      ProcessGroup writers,
      Map<String, Object> meta,
      PrintStream log) {
    this.world = world;
    this.writersGroup = writers;
    this.cfg = cfg;
    this.resumeDir = cfg.resumeFrom() != null ? cfg.resumeFrom() : runDir;
    this.stages = List.copyOf(stages);
    this.meta = meta;
    this.log = log;
    if (cfg.every() > 0 && runDir == null) { // on every rank: none may wait for the others
      throw new IllegalArgumentException("checkpointing needs a run folder (--run-dir)");
    }
    if (cfg.every() > 0 && writers != null) {
      for (StageState s : stages) {
        Path dir = CheckpointFolders.stage(CheckpointFolders.of(runDir), s.stage());
        // The writer keeps every step; save() prunes once every stage has written the newer ones.
        this.writers.put(
            s.stage(), new AsyncCheckpointWriter(new CheckpointStore(dir, Integer.MAX_VALUE)));
        pruned.put(s.stage(), new CheckpointStore(dir, cfg.keep()));
      }
    }
  }

  /** True if this run writes checkpoints at all. */
  boolean enabled() {
    return cfg.every() > 0;
  }

  /** True when the state after {@code step} optimizer steps is to be checkpointed. */
  boolean due(long step) {
    return cfg.every() > 0 && step % cfg.every() == 0;
  }

  /**
   * Snapshots this rank's stages after {@code step} steps and queues their writes, once every
   * stage's previous write is done and the steps beyond those kept are pruned. Collective over the
   * first pipeline's ranks.
   *
   * @throws UncheckedIOException if a stage's previous write failed, on every writing rank
   */
  void save(long step, int nextEpoch, int nextBatch) {
    if (writers.isEmpty()) {
      return;
    }
    IOException failed = null;
    for (AsyncCheckpointWriter w : writers.values()) {
      try {
        record(w.await());
      } catch (IOException e) {
        failed = failed == null ? e : failed;
      }
    }
    int[] anyFailed = {failed == null ? 0 : 1};
    writersGroup.allReduce(anyFailed, ReduceOp.MAX); // every stage's previous step is whole
    if (anyFailed[0] > 0) {
      throw new UncheckedIOException(
          failed != null
              ? new IOException("a checkpoint write failed: " + failed.getMessage(), failed)
              : new IOException(
                  "another stage's checkpoint write failed (its rank's log says why)"));
    }
    for (CheckpointStore store : pruned.values()) {
      try {
        store.prune();
      } catch (IOException e) {
        log.println("warning: cannot prune " + store.dir() + ": " + e.getMessage());
      }
    }
    saves++;
    bytesEach = 0;
    for (StageState s : stages) {
      AsyncCheckpointWriter w = writers.get(s.stage());
      if (w == null) {
        continue;
      }
      long t0 = System.nanoTime();
      TrainingState state = new TrainingState(step, nextEpoch, nextBatch, s.copy(), meta(s));
      snapshotNanos += System.nanoTime() - t0;
      bytesEach += state.bytes();
      try {
        record(w.submit(state));
      } catch (IOException e) {
        throw new UncheckedIOException(
            "checkpoint of stage " + s.stage() + " failed: " + e.getMessage(), e);
      }
    }
  }

  /** What stage {@code s}'s checkpoints record and a resume must match. */
  Map<String, Object> meta(StageState s) {
    Map<String, Object> m = new LinkedHashMap<>(meta);
    m.put("stage", s.stage());
    m.put("parameter_count", s.parameterCount());
    return m;
  }

  private void record(AsyncCheckpointWriter.Written w) {
    if (w != null) {
      writeNanos += w.nanos();
      stageWrites++;
    }
  }

  /**
   * Resumes if asked to, as rank 0 decides (with {@code onlyIfPresent}: only when it finds a
   * checkpoint). Collective over the world.
   *
   * @return the restored position, or null to start fresh
   * @throws IllegalStateException if no step has every stage's checkpoint, or the one found belongs
   *     to another model, seed or text
   */
  TrainingState resumeIfAsked() {
    TrainingState from =
        new StageResume(world, cfg, resumeDir, stages, this::meta, log).resumeIfAsked();
    if (from != null) {
      // Steps newer than the one resumed from were partial or corrupted: they go, or pruning,
      // which keeps the newest, would keep them instead of the whole steps written from now on.
      for (CheckpointStore store : pruned.values()) {
        try {
          List<Long> gone = store.discardNewerThan(from.step());
          if (!gone.isEmpty()) {
            log.println(
                "discarded the incomplete checkpoints of steps " + gone + " in " + store.dir());
          }
        } catch (IOException e) {
          throw new UncheckedIOException(
              "cannot discard the incomplete checkpoints in " + store.dir() + ": " + e.getMessage(),
              e);
        }
      }
    }
    return from;
  }

  /**
   * What this rank's checkpoints cost (null if it wrote none): the bytes of its stages at one step,
   * the training thread's copy per checkpoint and a stage's background write.
   */
  RunSummary.CheckpointCost cost() {
    return saves == 0
        ? null
        : new RunSummary.CheckpointCost(
            saves,
            bytesEach,
            snapshotNanos / 1e6 / saves,
            stageWrites == 0 ? 0 : writeNanos / 1e6 / stageWrites);
  }

  /** Waits for the last writes. */
  @Override
  public void close() {
    IOException failure = null;
    for (var e : writers.entrySet()) {
      try {
        record(e.getValue().await());
      } catch (IOException x) {
        failure = failure == null ? x : failure;
      } finally {
        try {
          e.getValue().close();
        } catch (IOException x) {
          failure = failure == null ? x : failure;
        }
      }
    }
    writers.clear();
    if (failure != null) {
      throw new UncheckedIOException("checkpoint failed: " + failure.getMessage(), failure);
    }
  }
}
