package dev.cohort.train.ddp;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.TrainConfig;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A step of ZeRO-2 or ZeRO-3 on one rank, over the model cut into segments (by default one per
 * block): the forward and backward pass that reduce-scatter each segment's gradients as soon as
 * they are complete, then the update of this rank's shard.
 *
 * <ul>
 *   <li>ZeRO-2: one forward pass over leaves that alias the parameters ({@link ShardedParameters})
 *       and a segmented backward pass ({@link ShardedBackward}); a segment's gradients are freed
 *       once reduce-scattered. The updated shards are all-gathered into every rank's parameters.
 *   <li>ZeRO-3: {@link ShardedBackward} runs each segment again in the backward pass; the
 *       parameters stay sharded.
 * </ul>
 */
final class ShardedStep {
  private final ProcessGroup pg;
  private final TrainConfig cfg;
  private final SegmentedBackward segments;
  private final ShardedParameters params;
  private final ShardedGradients gradients;
  private final ShardedBackward passes;
  private final boolean three;
  private long gatherBytes; // this step's parameter gathers (ZeRO-3)
  private long gatherNanos;
  private boolean whole; // ZeRO-3: the model's own parameters hold their values
  private final ShardLayout layout;

  /** What a step's forward and backward passes did: the loss, and their communication. */
  record Pass(float loss, long commNanos) {}

  /**
   * @param trainable the model's parameters that take gradients, in model order, identical on every
   *     rank (with ZeRO-3 the model's own arrays are emptied here)
   */
  ShardedStep(
      ProcessGroup pg, TrainConfig cfg, NDManager manager, Block model, List<Parameter> trainable) {
    this.pg = pg;
    this.cfg = cfg;
    if (!(model instanceof SequentialBlock)) {
      throw new IllegalArgumentException(
          "--zero "
              + cfg.zero()
              + " shards the model block by block and needs a DJL SequentialBlock, got "
              + model.getClass().getSimpleName()
              + ": use --zero 1");
    }
    this.segments = SegmentedBackward.of(model, segmentCount(cfg, model), trainable);
    List<List<Parameter>> cut = segments.parameters();
    int[] ends = new int[cut.size()];
    int at = 0;
    for (int s = 0; s < ends.length; s++) {
      at += cut.get(s).size();
      ends[s] = at;
    }
    this.layout =
        new ShardLayout(
            trainable.stream().mapToLong(ParameterViews::elements).toArray(), ends, pg.size());
    this.three = cfg.zero() == 3;
    List<ByteBuffer> views = three ? null : trainable.stream().map(ParameterViews::value).toList();
    this.params = new ShardedParameters(pg, manager, layout, trainable, three);
    this.gradients =
        new ShardedGradients(pg, layout, params, views, cfg.optimizer(), cfg.momentum());
    this.passes = new ShardedBackward(segments, params, gradients, three);
  }

  /** Segments of ZeRO-2 and 3: {@code --backward-segments} when given, else one per block. */
  private static int segmentCount(TrainConfig cfg, Block model) {
    return cfg.backwardSegments() > 1 ? cfg.backwardSegments() : model.getChildren().size();
  }

  /**
   * The parameters of the largest segment ZeRO-2 and 3 would cut {@code model} into, or -1 when
   * they cannot cut it (not a {@code SequentialBlock}).
   */
  static long largestSegment(TrainConfig cfg, Block model, List<Parameter> trainable) {
    if (!(model instanceof SequentialBlock)) {
      return -1;
    }
    try {
      return SegmentedBackward.of(model, segmentCount(cfg, model), trainable).parameters().stream()
          .mapToLong(ps -> ps.stream().mapToLong(ParameterViews::elements).sum())
          .max()
          .orElse(0);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return -1; // a sequential block that cannot be cut (e.g. it returns its intermediates)
    }
  }

  /**
   * The step's forward and backward pass on {@code batch} (input, labels). Collective.
   *
   * @param step the step's number (from 0), which seeds ZeRO-3's segments' dropout
   */
  Pass forwardBackward(NDManager m, NDList batch, Loss loss, int step) {
    ShardedBackward.Pass p =
        passes.run(
            m,
            new NDList(batch.get(0)),
            new NDList(batch.get(1)),
            loss,
            three
                ? s -> RandomStreams.enterSegment(cfg.seed(), pg.rank(), step, s)
                : s -> {}); // ZeRO-2 runs each segment once: the step's stream, as unsharded
    gatherBytes = p.gatherBytes();
    gatherNanos = params.takeGatherNanos();
    return new Pass(p.loss(), gradients.commNanos() + gatherNanos);
  }

  /** The update of this rank's shard (and ZeRO-2's all-gather). Collective. */
  ShardedUpdate.Timing update(int step, float learningRate, float clipNorm, long waitAtStart) {
    return gradients.update(step, learningRate, clipNorm, waitAtStart, gatherNanos, gatherBytes);
  }

  /** ZeRO-3: the model's parameters whole, for an evaluation or the end; no-op with ZeRO-2. */
  void materialize(NDManager manager) {
    if (three && !whole) {
      params.materialize(manager);
      whole = true;
    }
  }

  /** ZeRO-3: the model's parameters emptied again after {@link #materialize}. */
  void empty() {
    if (three && whole) {
      params.empty();
      whole = false;
    }
  }

  OptimizerState state() {
    return gradients.state();
  }

  ShardedGradients gradients() {
    return gradients;
  }

  ShardedParameters parameters() {
    return params;
  }

  ShardLayout layout() {
    return layout;
  }
}
