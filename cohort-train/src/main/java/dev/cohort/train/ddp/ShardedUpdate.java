package dev.cohort.train.ddp;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.train.data.TensorViews;
import dev.cohort.train.optim.FusedOptimizer;
import dev.cohort.train.optim.GradientClipping;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ZeRO stage 1: the optimizer's state sharded over the ranks. The model's parameters, in model
 * order, form one flat vector of Ψ floats, padded to N equal shards; each step every gradient is
 * packed into it (libtorch's zeroed), a reduce-scatter leaves rank r the average of shard r, rank r
 * updates the parameters of its shard alone (its optimizer holds the state of Ψ/N values, not Ψ),
 * and an all-gather into the same flat vector brings every rank every updated parameter. A
 * reduce-scatter and an all-gather move the bytes of one all-reduce, both in place in the flat
 * vector: its only buffer (4Ψ bytes, as plain data parallelism's buckets).
 */
final class ShardedUpdate implements OptimizerState {
  /**
   * What one step cost, in nanoseconds: the two collectives (of which {@code waitNanos} stalled on
   * slower ranks) and the update of this rank's shard.
   */
  record Timing(long commNanos, long waitNanos, long optimizerNanos, long bytes) {}

  /** Elements {@code [from, to)} of parameter {@code index}, in this rank's shard. */
  private record Piece(int index, int from, int to) {}

  private final ProcessGroup pg;
  private final List<ModelState.Entry> params;
  private final long[] offsets; // each parameter's first element in the flat vector
  private final int shard; // elements per rank
  private final Tensor flat; // the gradients, then the gathered parameters
  private final Tensor mineOfFlat; // this rank's shard of it: its averaged gradients, then weights
  private final List<ByteBuffer> views; // each parameter's memory
  private final List<Piece> mine = new ArrayList<>();
  private final FusedOptimizer optimizer;
  private final List<String> kinds; // of state: Adam's "first" and "second", momentum's "first"

  /**
   * @param params the parameters, in model order
   * @param optimizer "sgd" or "adam"
   * @param momentum SGD's momentum (0: none)
   */
  ShardedUpdate(ProcessGroup pg, List<ModelState.Entry> params, String optimizer, float momentum) {
    this.pg = pg;
    this.params = List.copyOf(params);
    this.offsets = new long[params.size() + 1];
    for (int i = 0; i < params.size(); i++) {
      offsets[i + 1] = offsets[i] + params.get(i).elements();
    }
    int n = pg.size();
    this.shard = Math.toIntExact((offsets[params.size()] + n - 1) / n);
    long first = (long) pg.rank() * shard;
    long last = first + shard;
    List<Integer> sizes = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      long from = Math.max(first, offsets[i]);
      long to = Math.min(last, offsets[i + 1]);
      if (from < to) {
        mine.add(new Piece(i, (int) (from - offsets[i]), (int) (to - offsets[i])));
        sizes.add((int) (to - from));
      }
    }
    this.optimizer = new FusedOptimizer(optimizer, momentum, sizes);
    this.kinds =
        optimizer.equals("adam")
            ? List.of("first", "second")
            : momentum > 0 ? List.of("first") : List.of();
    long bytes = (long) shard * n * Float.BYTES;
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "--zero 1 keeps the model's "
              + offsets[params.size()]
              + " parameters in one flat vector, at most "
              + Integer.MAX_VALUE / Float.BYTES
              + ": train this model without --zero");
    }
    this.flat = Tensor.allocate(DataType.FLOAT32, shard * n);
    this.mineOfFlat = flat.slice(pg.rank() * shard, shard);
    this.views = this.params.stream().map(ModelState.Entry::view).toList();
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
        packed.slice((int) offsets[i] * Float.BYTES, g.capacity()).put(g.duplicate());
        TensorViews.zero(g);
      }
    }
    // In place: the ring reduces in the flat vector and leaves shard r's average where it was.
    pg.reduceScatter(flat, mineOfFlat, ReduceOp.AVG);
    long comm = System.nanoTime() - c0;
    long o0 = System.nanoTime();
    List<ByteBuffer> weights = new ArrayList<>();
    List<ByteBuffer> grads = new ArrayList<>();
    long base = (long) pg.rank() * shard;
    for (Piece p : mine) {
      int at = (int) (offsets[p.index()] + p.from() - base) * Float.BYTES;
      int bytes = (p.to() - p.from()) * Float.BYTES;
      weights.add(slice(views.get(p.index()), p.from() * Float.BYTES, bytes));
      grads.add(slice(mineOfFlat.bytes(), at, bytes));
    }
    if (clipNorm > 0) {
      double[] squares = {GradientClipping.sumOfSquares(grads)};
      long a0 = System.nanoTime();
      pg.allReduce(squares, ReduceOp.SUM); // each rank holds a disjoint shard
      comm += System.nanoTime() - a0;
      GradientClipping.scale(grads, GradientClipping.factor(squares[0], clipNorm));
    }
    optimizer.step(weights, grads, step, learningRate);
    ByteBuffer updated = mineOfFlat.bytes(); // the averaged gradients are spent
    for (int k = 0; k < mine.size(); k++) {
      Piece p = mine.get(k);
      int at = (int) (offsets[p.index()] + p.from() - base) * Float.BYTES;
      updated.slice(at, weights.get(k).capacity()).put(weights.get(k).duplicate());
    }
    long optimizerNanos = System.nanoTime() - o0;
    long g0 = System.nanoTime();
    // In place too: every rank's shard of parameters into the flat vector.
    pg.allGather(mineOfFlat, flat);
    ByteBuffer all = flat.bytes();
    for (int i = 0; i < params.size(); i++) {
      ByteBuffer w = views.get(i);
      w.duplicate().put(all.slice((int) offsets[i] * Float.BYTES, w.capacity()));
    }
    comm += System.nanoTime() - g0;
    long wait = Math.min(comm, pg.stats().waitNanos() - wait0);
    return new Timing(comm, wait, optimizerNanos, 2L * flat.byteSize());
  }

  /** Bytes {@code [at, at + length)} of {@code b}, floats in native order. */
  private static ByteBuffer slice(ByteBuffer b, int at, int length) {
    return b.slice(at, length).order(ByteOrder.nativeOrder());
  }

  /**
   * The whole state on rank 0: each kind of state (Adam's first and second moments, SGD's momentum)
   * laid out as the flat vector, its shards gathered to rank 0, then cut per parameter as an
   * unsharded optimizer names it. Collective.
   */
  @Override
  public Map<String, float[]> snapshot() {
    Map<String, float[]> whole = new LinkedHashMap<>();
    Map<String, float[]> state = optimizer.state(); // this rank's pieces, by piece number
    for (String kind : kinds) {
      Tensor mine = Tensor.allocate(DataType.FLOAT32, shard);
      FloatBuffer out = mine.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer();
      long base = (long) pg.rank() * shard;
      for (int k = 0; k < this.mine.size(); k++) {
        Piece p = this.mine.get(k);
        out.put(
            (int) (offsets[p.index()] + p.from() - base), state.get("optimizer/" + kind + "/" + k));
      }
      Tensor all = pg.rank() == 0 ? Tensor.allocate(DataType.FLOAT32, shard * pg.size()) : null;
      pg.gather(mine, all, 0);
      if (all != null) {
        FloatBuffer in = all.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < params.size(); i++) {
          float[] values = new float[(int) (offsets[i + 1] - offsets[i])];
          in.get((int) offsets[i], values);
          whole.put("optimizer/" + kind + "/" + i, values);
        }
      }
    }
    return whole;
  }

  @Override
  public boolean collective() {
    return true;
  }

  /** This rank's pieces of {@code saved}, the whole state an unsharded optimizer names. */
  @Override
  public void restore(Map<String, float[]> saved) {
    Map<String, float[]> pieces = new LinkedHashMap<>();
    for (String kind : kinds) {
      for (int k = 0; k < mine.size(); k++) {
        Piece p = mine.get(k);
        String key = "optimizer/" + kind + "/" + p.index();
        float[] whole = saved.get(key);
        if (whole == null || whole.length != offsets[p.index() + 1] - offsets[p.index()]) {
          throw new IllegalArgumentException(
              "the checkpoint has no optimizer state '"
                  + key
                  + "' of "
                  + (offsets[p.index() + 1] - offsets[p.index()])
                  + " values: was it written with another optimizer or model?");
        }
        pieces.put("optimizer/" + kind + "/" + k, Arrays.copyOfRange(whole, p.from(), p.to()));
      }
    }
    optimizer.restore(pieces);
  }

  /** This rank's optimizer: the state of its shard alone. */
  FusedOptimizer optimizer() {
    return optimizer;
  }

  /** Bytes of the optimizer's state on this rank. */
  long optimizerBytes() {
    return optimizer.state().values().stream().mapToLong(s -> (long) s.length * Float.BYTES).sum();
  }

  /**
   * Bytes of this rank's communication buffer: the flat vector (the gradients, reduce-scattered in
   * place, then the parameters, all-gathered in place).
   */
  long bufferBytes() {
    return flat.byteSize();
  }

  /** Bytes of the flat gradient vector, padded: what one step reduce-scatters. */
  long flatBytes() {
    return flat.byteSize();
  }

  /** Elements per shard (the flat vector padded to a multiple of the ranks). */
  int shardElements() {
    return shard;
  }
}
