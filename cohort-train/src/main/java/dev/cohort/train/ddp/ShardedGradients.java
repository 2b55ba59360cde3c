package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.train.data.TensorViews;
import dev.cohort.train.optim.FusedOptimizer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * ZeRO-2 and 3's gradients and update. As the backward pass finishes a segment, its gradients are
 * packed into one flat buffer (the size of the largest segment) and reduce-scattered: rank r keeps
 * the average of its shard of the segment, in its gradient storage ({@link
 * ShardLayout#shardElements} floats, the only gradients that outlive the segment). After the
 * backward pass each rank updates its pieces; with ZeRO-2 the updated parameters are then
 * all-gathered segment by segment through the same buffer, with ZeRO-3 they stay sharded.
 */
final class ShardedGradients {
  private final ProcessGroup pg;
  private final ShardLayout layout;
  private final ShardedParameters params;
  private final List<ByteBuffer> wholeViews; // ZeRO-2: each parameter's own memory
  private final List<ShardLayout.Piece> mine;
  private final Tensor segment; // one segment's flat vector: gradients, then ZeRO-2's parameters
  private final Tensor grads; // this rank's averaged gradients, every segment's shard
  private final FusedOptimizer optimizer;
  private final ShardedState state;
  private long commNanos;
  private long bytes;

  /**
   * @param wholeViews each parameter's memory when every rank holds them (ZeRO-2); null for ZeRO-3
   */
  ShardedGradients(
      ProcessGroup pg,
      ShardLayout layout,
      ShardedParameters params,
      List<ByteBuffer> wholeViews,
      String optimizer,
      float momentum) {
    this.pg = pg;
    this.layout = layout;
    this.params = params;
    this.wholeViews = wholeViews;
    this.mine = layout.pieces(pg.rank());
    this.segment = params.buffer();
    this.grads = Tensor.allocate(DataType.FLOAT32, Math.max(1, layout.shardElements()));
    this.optimizer =
        new FusedOptimizer(
            optimizer, momentum, mine.stream().map(ShardLayout.Piece::length).toList());
    this.state = new ShardedState(pg, layout, this.optimizer, params.storage());
  }

  /**
   * Reduce-scatters segment {@code s}'s gradients, which {@code leaves} (its parameters' leaves, in
   * order) hold, into this rank's gradient storage. Collective.
   */
  void reduceSegment(int s, List<NDArray> leaves) {
    if (layout.shard(s) == 0) {
      return; // no parameters
    }
    long c0 = System.nanoTime();
    ByteBuffer packed = segment.bytes();
    int first = layout.firstParameter(s);
    for (int k = 0; k < leaves.size(); k++) {
      try (NDArray g = leaves.get(k).getGradient()) {
        ByteBuffer view = TensorViews.view(g, "gradient of parameter " + (first + k));
        packed
            .slice((int) layout.offsetInSegment(first + k) * Float.BYTES, view.capacity())
            .put(view);
      }
    }
    Tensor in = segment.slice(0, layout.padded(s));
    pg.reduceScatter(in, grads.slice(layout.storageOffset(s), layout.shard(s)), ReduceOp.AVG);
    bytes += in.byteSize();
    commNanos += System.nanoTime() - c0;
  }

  /**
   * Updates this rank's pieces with the averaged gradients (clipped to {@code clipNorm} over the
   * whole model when above 0) and, with ZeRO-2, all-gathers the parameters. Collective.
   *
   * @param waitAtStart the group's stall counter when the step began
   * @param gatherNanos time the step's parameter gathers took before this (ZeRO-3)
   * @param gatherBytes bytes they moved
   */
  ShardedUpdate.Timing update(
      int step,
      float learningRate,
      float clipNorm,
      long waitAtStart,
      long gatherNanos,
      long gatherBytes) {
    long o0 = System.nanoTime();
    List<ByteBuffer> weights = new ArrayList<>();
    List<ByteBuffer> g = new ArrayList<>();
    for (ShardLayout.Piece p : mine) {
      int length = p.length() * Float.BYTES;
      weights.add(
          wholeViews != null
              ? ShardedUpdate.slice(wholeViews.get(p.index()), p.from() * Float.BYTES, length)
              : params.storageSlice(p));
      g.add(ShardedUpdate.slice(grads.bytes(), p.at() * Float.BYTES, length));
    }
    long clip = 0;
    if (clipNorm > 0) {
      long a0 = System.nanoTime();
      ShardClipping.clip(pg, g, clipNorm);
      clip = System.nanoTime() - a0;
    }
    optimizer.step(weights, g, step, learningRate);
    long optimizerNanos = System.nanoTime() - o0 - clip;
    long comm = commNanos + clip + gatherNanos;
    long moved = bytes + gatherBytes;
    if (wholeViews != null) {
      long g0 = System.nanoTime();
      moved += allGather(weights);
      comm += System.nanoTime() - g0;
    }
    commNanos = 0;
    bytes = 0;
    long wait = Math.min(comm, pg.stats().waitNanos() - waitAtStart);
    return new ShardedUpdate.Timing(comm, wait, optimizerNanos, moved);
  }

  /** ZeRO-2: every segment's updated pieces to every rank, through the segment buffer. */
  private long allGather(List<ByteBuffer> updated) {
    long moved = 0;
    int k = 0;
    for (int s = 0; s < layout.segments(); s++) {
      if (layout.shard(s) == 0) {
        continue;
      }
      Tensor mineOfSegment = segment.slice(pg.rank() * layout.shard(s), layout.shard(s));
      ByteBuffer out = mineOfSegment.bytes();
      for (; k < mine.size() && mine.get(k).at() < layout.storageOffset(s) + layout.shard(s); k++) {
        int at = mine.get(k).at() - layout.storageOffset(s);
        out.slice(at * Float.BYTES, updated.get(k).capacity()).put(updated.get(k).duplicate());
      }
      Tensor all = segment.slice(0, layout.padded(s));
      pg.allGather(mineOfSegment, all);
      moved += all.byteSize();
      ByteBuffer in = all.bytes();
      for (int i = layout.firstParameter(s); i < layout.firstParameter(s + 1); i++) {
        ByteBuffer w = wholeViews.get(i);
        w.duplicate().put(in.slice((int) layout.offsetInSegment(i) * Float.BYTES, w.capacity()));
      }
    }
    return moved;
  }

  /** The sharded state, whole on rank 0 for checkpoints, and cut back on resume. */
  OptimizerState state() {
    return state;
  }

  FusedOptimizer optimizer() {
    return optimizer;
  }

  /** This rank's averaged gradients, every segment's shard one after the other. */
  Tensor averaged() {
    return grads;
  }

  /** Bytes of this rank's gradient storage. */
  long gradientBytes() {
    return (long) layout.shardElements() * Float.BYTES;
  }

  /** Nanoseconds spent reduce-scattering since the step began. */
  long commNanos() {
    return commNanos;
  }

  /** Bytes of the segment buffer. */
  long bufferBytes() {
    return segment.byteSize();
  }
}
