package dev.cohort.train.ddp;

import ai.djl.training.Trainer;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.compress.CommHook;
import dev.cohort.train.nn.BatchStatsSync;
import dev.cohort.train.optim.FusedOptimizer;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What a step needs besides its batch.
 *
 * @param segmented the model's segments when gradients are all-reduced during the backward pass
 *     (then {@code gradients} has buckets per segment); null for one backward pass
 * @param gradients the buckets of the all-reduce; null with {@code sharded}
 * @param sharded the ZeRO-1 update ({@code --zero 1}: averaging and optimizer state sharded); null
 *     for the all-reduce and the whole optimizer on every rank
 * @param zero ZeRO-2 or 3's step ({@code --zero 2|3}: gradients, and with 3 parameters, sharded
 *     too); then {@code gradients}, {@code sharded} and {@code segmented} are null
 * @param local local SGD's averaging ({@code --local-sgd H}): then {@code gradients}' buckets are
 *     not all-reduced; null otherwise
 */
record StepParts(
    Trainer trainer,
    GradientSync gradients,
    Buffers buffers,
    BatchStatsSync batchStats,
    FusedOptimizer optimizer,
    List<ByteBuffer> weights,
    SegmentedBackward segmented,
    ShardedUpdate sharded,
    ShardedStep zero,
    LocalSgd local) {

  /**
   * The optimizer's state for checkpoints: whole on every rank, or sharded; with the state of a
   * compression hook (residuals, warm starts) when it keeps one.
   *
   * @param log where a hook's state that does not fit on resume is reported
   */
  OptimizerState optimizerState(PrintStream log) {
    OptimizerState base =
        zero != null
            ? zero.state()
            : sharded != null ? sharded.state() : OptimizerState.whole(optimizer);
    CommHook hook = gradients == null ? null : gradients.hook();
    return hook == null || !hook.stateful() ? base : OptimizerState.withHook(base, hook, log);
  }

  /** The buffers gradients travel in, in bytes, for the run's configuration record. */
  List<Integer> bucketBytes() {
    if (zero != null) {
      return List.of(Math.toIntExact(zero.gradients().bufferBytes()));
    }
    return sharded != null
        ? List.of(Math.toIntExact(sharded.bufferBytes()))
        : gradients.bucketBytes();
  }

  /**
   * The parts for {@code model}, initialized in {@code trainer} and described by {@code state}:
   * gradient buckets (per segment when {@code cfg} asks for a segmented backward), the optimizer
   * over the parameters' own memory, buffer and batch-statistics synchronization.
   */
  static StepParts of(
      ProcessGroup pg, TrainConfig cfg, Trainer trainer, ai.djl.nn.Block model, ModelState state) {
    if (cfg.zero() >= 2) {
      ShardedStep zero = new ShardedStep(pg, cfg, trainer.getManager(), model, state.trainable());
      return new StepParts(
          trainer,
          null,
          new Buffers(pg, cfg.bufferSync(), state),
          BatchStatsSync.attach(model, pg),
          zero.gradients().optimizer(),
          List.of(),
          null,
          null,
          zero,
          null);
    }
    if (cfg.localSgd() > 0) {
      GradientSync buckets = GradientSync.local(pg, state.trainable(), cfg.bucketBytes());
      Buffers buffers = new Buffers(pg, cfg.bufferSync(), state);
      List<ByteBuffer> weights = state.parameters().stream().map(ModelState.Entry::view).toList();
      FusedOptimizer optimizer = wholeOptimizer(cfg, state);
      return new StepParts(
          trainer,
          buckets,
          buffers,
          BatchStatsSync.attach(model, pg),
          optimizer,
          weights,
          null,
          null,
          null,
          new LocalSgd(buckets, weights, buffers, optimizer, cfg.localSgd()));
    }
    SegmentedBackward segmented =
        cfg.backwardSegments() == 1
            ? null
            : SegmentedBackward.of(model, cfg.backwardSegments(), state.trainable());
    var segments = segmented == null ? List.of(state.trainable()) : segmented.parameters();
    ShardedUpdate sharded =
        cfg.zero() == 1
            ? new ShardedUpdate(pg, state.parameters(), cfg.optimizer(), cfg.momentum())
            : null;
    FusedOptimizer optimizer = sharded != null ? sharded.optimizer() : wholeOptimizer(cfg, state);
    return new StepParts(
        trainer,
        // ZeRO-1 packs the gradients into its own flat buffer: no buckets to hold them twice.
        sharded != null
            ? null
            : GradientSync.segmented(
                pg, segments, cfg.bucketBytes(), cfg.overlap(), cfg.compression()),
        new Buffers(pg, cfg.bufferSync(), state),
        BatchStatsSync.attach(model, pg),
        optimizer,
        state.parameters().stream().map(ModelState.Entry::view).toList(),
        segmented,
        sharded,
        null,
        null);
  }

  /** The optimizer over every parameter's memory. */
  private static FusedOptimizer wholeOptimizer(TrainConfig cfg, ModelState state) {
    return new FusedOptimizer(
        cfg.optimizer(),
        cfg.momentum(),
        state.parameters().stream().map(e -> (int) e.elements()).toList());
  }
}
