package dev.cohort.train.ddp;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.train.data.TensorViews;
import dev.cohort.train.optim.FusedOptimizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * ZeRO stage 1: the optimizer's state sharded over the ranks. The model's parameters, in model
 * order, form one flat vector of Ψ floats, padded to N equal shards; each step every gradient is
 * packed into it (libtorch's zeroed), a reduce-scatter leaves rank r the average of shard r, rank r
 * updates the parameters of its shard alone (its optimizer holds the state of Ψ/N values, not Ψ),
 * and an all-gather into the same flat vector brings every rank every updated parameter. A
 * reduce-scatter and an all-gather move the bytes of one all-reduce, both in place in the flat
 * vector: its only buffer (4Ψ bytes, as plain data parallelism's buckets).
 */
final class ShardedUpdate {
  /**
   * What one sharded update cost, in nanoseconds: the collectives (of which {@code waitNanos}
   * stalled on slower ranks) and the update of this rank's shard; and the bytes of the flat vectors
   * the collectives moved. ZeRO-2 and 3's update ({@link ShardedGradients}) reports the same.
   */
  record Timing(long commNanos, long waitNanos, long optimizerNanos, long bytes) {}

  private final ProcessGroup pg;
  private final List<ModelState.Entry> params;
  private final ShardLayout layout; // one segment: the whole model
  private final Tensor flat; // the gradients, then the gathered parameters
  private final Tensor mineOfFlat; // this rank's shard of it: its averaged gradients, then weights
  private final List<ByteBuffer> views; // each parameter's memory
  private final List<ShardLayout.Piece> mine;
  private final FusedOptimizer optimizer;
  private final ShardedState state;

  /**
   * @param params the parameters, in model order
   * @param optimizer "sgd" or "adam"
   * @param momentum SGD's momentum (0: none)
   */
  ShardedUpdate(ProcessGroup pg, List<ModelState.Entry> params, String optimizer, float momentum) {
    this.pg = pg;
    this.params = List.copyOf(params);
    this.layout =
        ShardLayout.whole(
            params.stream().mapToLong(ModelState.Entry::elements).toArray(), pg.size());
    this.mine = layout.pieces(pg.rank());
    this.optimizer =
        new FusedOptimizer(
            optimizer, momentum, mine.stream().map(ShardLayout.Piece::length).toList());
    int shard = layout.shard(0);
    // Shared memory on one host: the reduce-scatter and the all-gather are zero-copy.
    this.flat = pg.allocate(DataType.FLOAT32, layout.padded(0));
    this.mineOfFlat = flat.slice(pg.rank() * shard, shard);
    this.views = this.params.stream().map(ModelState.Entry::view).toList();
    this.state = new ShardedState(pg, layout, this.optimizer, null);
  }

  /**
   * Update number {@code step} (from 1) with the gradients libtorch holds, averaged over the ranks
   * and, with {@code clipNorm} above 0, scaled down to that norm over the whole model; zeroes
   * libtorch's gradients. Collective.
   */
  Timing step(int step, float learningRate, float clipNorm) {
    long wait0 = pg.stats().waitNanos();
    long c0 = System.nanoTime();
    ByteBuffer packed = flat.bytes();
    for (int i = 0; i < params.size(); i++) {
      try (var grad = params.get(i).parameter().getArray().getGradient()) {
        ByteBuffer g = TensorViews.view(grad, "gradient of " + params.get(i).path());
        packed
            .slice((int) layout.offsetInSegment(i) * Float.BYTES, g.capacity())
            .put(g.duplicate());
        TensorViews.zero(g);
      }
    }
    // In place: the ring reduces in the flat vector and leaves shard r's average where it was.
    pg.reduceScatter(flat, mineOfFlat, ReduceOp.AVG);
    long comm = System.nanoTime() - c0;
    long o0 = System.nanoTime();
    List<ByteBuffer> weights = new ArrayList<>();
    List<ByteBuffer> grads = new ArrayList<>();
    for (ShardLayout.Piece p : mine) {
      int bytes = p.length() * Float.BYTES;
      weights.add(slice(views.get(p.index()), p.from() * Float.BYTES, bytes));
      grads.add(slice(mineOfFlat.bytes(), p.at() * Float.BYTES, bytes));
    }
    if (clipNorm > 0) {
      long a0 = System.nanoTime();
      ShardClipping.clip(pg, grads, clipNorm);
      comm += System.nanoTime() - a0;
    }
    optimizer.step(weights, grads, step, learningRate);
    ByteBuffer updated = mineOfFlat.bytes(); // the averaged gradients are spent
    for (int k = 0; k < mine.size(); k++) {
      updated
          .slice(mine.get(k).at() * Float.BYTES, weights.get(k).capacity())
          .put(weights.get(k).duplicate());
    }
    long optimizerNanos = System.nanoTime() - o0;
    long g0 = System.nanoTime();
    // In place too: every rank's shard of parameters into the flat vector.
    pg.allGather(mineOfFlat, flat);
    ByteBuffer all = flat.bytes();
    for (int i = 0; i < params.size(); i++) {
      ByteBuffer w = views.get(i);
      w.duplicate().put(all.slice((int) layout.offsetInSegment(i) * Float.BYTES, w.capacity()));
    }
    comm += System.nanoTime() - g0;
    long wait = Math.min(comm, pg.stats().waitNanos() - wait0);
    return new Timing(comm, wait, optimizerNanos, 2L * flat.byteSize());
  }

  /** Bytes {@code [at, at + length)} of {@code b}, floats in native order. */
  static ByteBuffer slice(ByteBuffer b, int at, int length) {
    return b.slice(at, length).order(ByteOrder.nativeOrder());
  }

  /** The optimizer's state whole on rank 0 for checkpoints, and cut back on resume. */
  OptimizerState state() {
    return state;
  }

  /** This rank's optimizer: the state of its shard alone. */
  FusedOptimizer optimizer() {
    return optimizer;
  }

  /**
   * Bytes of this rank's communication buffer: the flat vector, padded (the gradients,
   * reduce-scattered in place, then the parameters, all-gathered in place: what a step moves).
   */
  long bufferBytes() {
    return flat.byteSize();
  }

  /** Elements per shard (the flat vector padded to a multiple of the ranks). */
  int shardElements() {
    return layout.shardElements();
  }
}
