package dev.cohort.train.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Connects a model's {@link SyncBatchNorm} blocks to a process group, and runs the backward pass
 * that keeps their gradients exact.
 *
 * <p>Forward: each block all-reduces its per-channel sums of x and x² (one collective of 2C+1
 * doubles per block), and uses the global sums as {@code T + (s - stop(s)) + z}: the value is the
 * global sum T, the gradient reaches this rank's own samples through s, and z is a zero leaf that
 * collects this rank's gradient with respect to the global sum.
 *
 * <p>Backward: DJL's engine has no custom autograd functions, so the all-reduce that PyTorch's
 * SyncBatchNorm does inside its backward happens between passes. After the loss's backward (graph
 * kept), blocks are visited from last to first; for each, the z gradients of all ranks are summed,
 * and a second backward from {@code sum((Z - z) * s)} adds to this rank's samples what the other
 * ranks' losses owe them through the shared statistics. Visiting in reverse forward order makes a
 * block's correction reach the blocks below it before their own z gradients are summed, so the
 * result is the exact gradient of the global loss. It costs one extra partial backward per block.
 */
public final class BatchStatsSync {
  /** No process group: statistics of the local batch, plain autograd. */
  static final BatchStatsSync LOCAL = new BatchStatsSync(null, 0);

  private final ProcessGroup pg;
  private final int layers;
  private final List<Pending> pending = new ArrayList<>();

  /** The global sums one block normalizes with, and their values for the running statistics. */
  record Sums(NDArray sum, NDArray sumOfSquares, long count, double[][] values) {}

  /** One block's forward in this micro-batch, awaiting its backward correction. */
  private record Pending(NDArray sum, NDArray sumOfSquares, NDArray zSum, NDArray zSquares) {}

  private BatchStatsSync(ProcessGroup pg, int layers) {
    this.pg = pg;
    this.layers = layers;
  }

  /**
   * Connects every {@link SyncBatchNorm} in {@code model} to {@code pg}. Every rank must then run
   * the same forward passes in training mode and call {@link #backward} for each.
   */
  public static BatchStatsSync attach(Block model, ProcessGroup pg) {
    List<SyncBatchNorm> found = new ArrayList<>();
    collect(model, found);
    BatchStatsSync sync = new BatchStatsSync(pg, found.size());
    found.forEach(b -> b.attach(sync));
    return sync;
  }

  private static void collect(Block block, List<SyncBatchNorm> out) {
    if (block instanceof SyncBatchNorm s) {
      out.add(s);
    }
    block.getChildren().values().forEach(c -> collect(c, out));
  }

  /** How many SyncBatchNorm blocks the model has. */
  public int layers() {
    return layers;
  }

  Sums sums(NDArray s1, NDArray s2, long count) {
    float[] local1 = s1.toFloatArray();
    float[] local2 = s2.toFloatArray();
    int c = local1.length;
    if (pg == null || pg.size() == 1) {
      return new Sums(s1, s2, count, new double[][] {widen(local1), widen(local2)});
    }
    double[] packed = new double[2 * c + 1];
    for (int i = 0; i < c; i++) {
      packed[i] = local1[i];
      packed[c + i] = local2[i];
    }
    packed[2 * c] = count;
    pg.allReduce(packed, ReduceOp.SUM);
    double[] total1 = Arrays.copyOfRange(packed, 0, c);
    double[] total2 = Arrays.copyOfRange(packed, c, 2 * c);
    NDManager m = s1.getManager();
    NDArray z1 = m.zeros(s1.getShape());
    NDArray z2 = m.zeros(s2.getShape());
    z1.setRequiresGradient(true);
    z2.setRequiresGradient(true);
    NDArray global1 = m.create(narrow(total1)).add(s1.sub(s1.stopGradient())).add(z1);
    NDArray global2 = m.create(narrow(total2)).add(s2.sub(s2.stopGradient())).add(z2);
    pending.add(new Pending(s1, s2, z1, z2));
    return new Sums(global1, global2, (long) packed[2 * c], new double[][] {total1, total2});
  }

  /**
   * Backward from {@code loss} (gradients add up in the parameters, as a gradient collector's
   * backward does), then the cross-rank corrections of every SyncBatchNorm used since the last
   * call. Collective when the model has SyncBatchNorm blocks and the group has more than one rank.
   */
  public void backward(NDArray loss) {
    if (pending.isEmpty()) {
      run(loss, false);
      return;
    }
    run(loss, true);
    for (int i = pending.size() - 1; i >= 0; i--) {
      correct(pending.get(i), i > 0);
    }
    pending.clear();
  }

  private void correct(Pending p, boolean keepGraph) {
    float[] g1 = gradient(p.zSum());
    float[] g2 = gradient(p.zSquares());
    int c = g1.length;
    double[] all = new double[2 * c];
    for (int i = 0; i < c; i++) {
      all[i] = g1[i];
      all[c + i] = g2[i];
    }
    pg.allReduce(all, ReduceOp.SUM);
    float[] d1 = new float[c];
    float[] d2 = new float[c];
    for (int i = 0; i < c; i++) {
      d1[i] = (float) (all[i] - g1[i]);
      d2[i] = (float) (all[c + i] - g2[i]);
    }
    NDManager m = p.sum().getManager();
    NDArray surrogate =
        p.sum().mul(m.create(d1)).sum().add(p.sumOfSquares().mul(m.create(d2)).sum());
    run(surrogate, keepGraph);
  }

  private static float[] gradient(NDArray leaf) {
    try (NDArray g = leaf.getGradient()) {
      return g.toFloatArray();
    }
  }

  private static void run(NDArray target, boolean keepGraph) {
    try (NDArray ones = target.onesLike()) {
      JniUtils.backward((PtNDArray) target, (PtNDArray) ones, keepGraph, false);
    }
  }

  private static double[] widen(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static float[] narrow(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }
}
