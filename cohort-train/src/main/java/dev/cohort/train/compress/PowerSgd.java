package dev.cohort.train.compress;

import dev.cohort.comm.AllReduceAlgorithm;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * PowerSGD (Vogels et al., 2019): each gradient matrix M (n x m) travels as two rank-r factors, one
 * step of power iteration: P = M Q, all-reduced and orthonormalized, then Q = Mᵀ P, all-reduced;
 * the average is approximated by P Qᵀ / N. That sends (n + m) r values instead of n m. Q is kept
 * for the next step (warm start), so the power iteration goes on across steps, and each rank's
 * residual M - P Qᵀ / N is added to its next gradient (error feedback, {@link ErrorFeedback}).
 * Vectors, and matrices too small to gain, ride uncompressed in the all-reduce of P. The first
 * steps take the plain all-reduce.
 *
 * <p>Two all-reduces per bucket, of buffers from {@link ProcessGroup#allocate}. Every rank computes
 * the same P and Q from the same sums, so the result is identical on every rank.
 */
public final class PowerSgd extends FeedbackHook {
  /** The seed of the first Q, the same on every rank. */
  private static final long SEED = 0x5eed;

  private final int rank;
  private final List<Plan> plans = new ArrayList<>();

  /** One matrix of a bucket, and where its factors sit in the P and Q buffers. */
  private record Matrix(BucketLayout.Block block, int p, int q) {}

  /**
   * A bucket: its matrices, its uncompressed blocks (at the front of P, in order), the buffers, and
   * the Q values (warm start; null until the first compressed step).
   */
  private static final class Plan {
    final List<Matrix> matrices = new ArrayList<>();
    final List<BucketLayout.Block> plain = new ArrayList<>();
    Tensor p;
    Tensor q;
    float[] warm;
    float[] m; // the bucket's values plus residuals, as laid out in the bucket
  }

  PowerSgd(ProcessGroup pg, int rank, int plainSteps, List<BucketLayout> layouts) {
    super(pg, Compression.POWERSGD, layouts, plainSteps);
    this.rank = rank;
    for (BucketLayout layout : layouts) {
      Plan plan = new Plan();
      int pSize = 0;
      for (BucketLayout.Block b : layout.blocks()) {
        if (!worthIt(b, rank)) {
          plan.plain.add(b);
          pSize += b.count();
        }
      }
      int qSize = 0;
      for (BucketLayout.Block b : layout.blocks()) {
        if (worthIt(b, rank)) {
          plan.matrices.add(new Matrix(b, pSize, qSize));
          pSize += b.rows() * rank;
          qSize += b.cols() * rank;
        }
      }
      plan.p = pg.allocate(DataType.FLOAT32, pSize);
      plan.q = qSize == 0 ? null : pg.allocate(DataType.FLOAT32, qSize);
      plan.m = new float[layout.count()];
      plans.add(plan);
    }
  }

  /**
   * The floats of the two all-reduces of a bucket laid out as {@code layout} at rank {@code rank}:
   * P with the uncompressed values, then Q.
   */
  public static long[] factorFloats(BucketLayout layout, int rank) {
    long p = 0;
    long q = 0;
    for (BucketLayout.Block b : layout.blocks()) {
      if (worthIt(b, rank)) {
        p += (long) b.rows() * rank;
        q += (long) b.cols() * rank;
      } else {
        p += b.count();
      }
    }
    return new long[] {p, q};
  }

  /** Whether a block's factors are smaller than it: a matrix, and (n + m) r < n m. */
  static boolean worthIt(BucketLayout.Block b, int rank) {
    return b.rows() > 1 && b.cols() > 1 && (long) (b.rows() + b.cols()) * rank < b.count();
  }

  @Override
  void compressed(Tensor bucket, int index) {
    Plan plan = plans.get(index);
    FloatBuffer g = ErrorFeedback.floats(bucket);
    float[] residual = feedback.residual(index);
    FloatBuffer p = ErrorFeedback.floats(plan.p);
    int at = 0;
    for (BucketLayout.Block b : plan.plain) {
      for (int i = 0; i < b.count(); i++) {
        p.put(at++, g.get(b.offset() + i));
      }
    }
    if (plan.warm == null && plan.q != null) {
      plan.warm = firstQ(plan.q.count(), index);
    }
    float[] m = plan.m;
    for (Matrix mx : plan.matrices) {
      BucketLayout.Block b = mx.block();
      for (int i = b.offset(); i < b.offset() + b.count(); i++) {
        m[i] = g.get(i) + residual[i]; // error feedback
      }
      multiply(m, b, plan.warm, mx.q(), p, mx.p()); // P = M Q
    }
    pg.allReduce(plan.p, ReduceOp.SUM);
    int n = pg.size();
    at = 0;
    for (BucketLayout.Block b : plan.plain) {
      for (int i = 0; i < b.count(); i++) {
        g.put(b.offset() + i, p.get(at++) / n);
      }
    }
    if (plan.matrices.isEmpty()) {
      return;
    }
    FloatBuffer q = ErrorFeedback.floats(plan.q);
    List<float[]> ps = new ArrayList<>();
    for (Matrix mx : plan.matrices) {
      BucketLayout.Block b = mx.block();
      float[] pm = new float[b.rows() * rank];
      p.get(mx.p(), pm);
      orthonormalize(pm, b.rows());
      q.put(mx.q(), transposedProduct(m, b, pm)); // Q = Mᵀ P
      ps.add(pm);
    }
    pg.allReduce(plan.q, ReduceOp.SUM);
    q.get(0, plan.warm);
    for (int k = 0; k < ps.size(); k++) {
      Matrix mx = plan.matrices.get(k);
      BucketLayout.Block b = mx.block();
      float[] pm = ps.get(k);
      for (int i = 0; i < b.rows(); i++) {
        for (int j = 0; j < b.cols(); j++) {
          float approx = 0;
          for (int c = 0; c < rank; c++) {
            approx += pm[i * rank + c] * plan.warm[mx.q() + j * rank + c];
          }
          approx /= n;
          int e = b.offset() + i * b.cols() + j;
          residual[e] = m[e] - approx;
          g.put(e, approx);
        }
      }
    }
  }

  /** P (n x r) = M (n x m) Q (m x r), M at the block's offset of {@code m}, into {@code out}. */
  private void multiply(
      float[] m, BucketLayout.Block b, float[] q, int qAt, FloatBuffer out, int outAt) {
    float[] acc = new float[rank];
    for (int i = 0; i < b.rows(); i++) {
      Arrays.fill(acc, 0f);
      int row = b.offset() + i * b.cols();
      for (int j = 0; j < b.cols(); j++) {
        float v = m[row + j];
        for (int c = 0; c < rank; c++) {
          acc[c] += v * q[qAt + j * rank + c];
        }
      }
      out.put(outAt + i * rank, acc);
    }
  }

  /** Mᵀ (m x n) P (n x r), M at the block's offset of {@code m}: an m x r matrix. */
  private float[] transposedProduct(float[] m, BucketLayout.Block b, float[] p) {
    int cols = b.cols();
    float[] acc = new float[cols * rank];
    for (int i = 0; i < b.rows(); i++) {
      int row = b.offset() + i * cols;
      for (int c = 0; c < rank; c++) {
        float pv = p[i * rank + c];
        for (int j = 0; j < cols; j++) {
          acc[j * rank + c] += m[row + j] * pv;
        }
      }
    }
    return acc;
  }

  /**
   * Gram-Schmidt on the r columns of the n x r matrix {@code p}: each column made orthogonal to the
   * ones before it, then of length 1. A column that comes out zero (a gradient of zero, or one in
   * the span of the columns before it) is drawn afresh from a fixed seed, the same on every rank:
   * left at zero, Q and every later warm start would stay zero and the matrix would never be
   * averaged again.
   */
  private void orthonormalize(float[] p, int rows) {
    for (int c = 0; c < rank; c++) {
      double norm = projectOut(p, rows, c);
      if (norm < 1e-12) {
        Random random = new Random(SEED + 7919L * c + rows);
        for (int i = 0; i < rows; i++) {
          p[i * rank + c] = (float) random.nextGaussian();
        }
        norm = projectOut(p, rows, c);
      }
      float scale = (float) (1 / (norm + 1e-8));
      for (int i = 0; i < rows; i++) {
        p[i * rank + c] *= scale;
      }
    }
  }

  /** Makes column {@code c} orthogonal to the columns before it; returns its length. */
  private double projectOut(float[] p, int rows, int c) {
    for (int d = 0; d < c; d++) {
      double dot = 0;
      for (int i = 0; i < rows; i++) {
        dot += (double) p[i * rank + c] * p[i * rank + d];
      }
      for (int i = 0; i < rows; i++) {
        p[i * rank + c] -= (float) (dot * p[i * rank + d]);
      }
    }
    double norm = 0;
    for (int i = 0; i < rows; i++) {
      norm += (double) p[i * rank + c] * p[i * rank + c];
    }
    return Math.sqrt(norm);
  }

  /** The first Q of bucket {@code index}: standard normal values, the same on every rank. */
  private static float[] firstQ(int count, int index) {
    Random random = new Random(SEED + index);
    float[] q = new float[count];
    for (int i = 0; i < count; i++) {
      q[i] = (float) random.nextGaussian();
    }
    return q;
  }

  /**
   * Two all-reduces per bucket, of P (with the uncompressed values) and of Q, each by the algorithm
   * Cohort picks for its size: small ones send the whole vector log2(N) times, large ones 2(N-1)/N
   * of it.
   */
  @Override
  public long stepBytes() {
    long bytes = 0;
    for (Plan plan : plans) {
      bytes += allReduceBytes(4L * plan.p.count());
      bytes += plan.q == null ? 0 : allReduceBytes(4L * plan.q.count());
    }
    return bytes;
  }

  private long allReduceBytes(long bytes) {
    int n = pg.size();
    AllReduceAlgorithm a =
        AllReduceAlgorithm.AUTO.resolve(bytes, n, CommConfig.DEFAULT_SMALL_MESSAGE_BYTES);
    return a == AllReduceAlgorithm.RECURSIVE_DOUBLING
        ? (long) Math.ceil(Math.log(n) / Math.log(2)) * bytes
        : 2L * (n - 1) * bytes / n;
  }

  @Override
  public void snapshot(Map<String, float[]> out) {
    super.snapshot(out);
    for (int b = 0; b < plans.size(); b++) {
      float[] warm = plans.get(b).warm;
      if (warm != null) {
        out.put("compression/q/" + b, warm.clone());
      }
    }
  }

  @Override
  public void restore(Map<String, float[]> saved, PrintStream log) {
    super.restore(saved, log);
    for (int b = 0; b < plans.size(); b++) {
      Plan plan = plans.get(b);
      float[] q = saved.get("compression/q/" + b);
      // Q is the same on every rank and does not depend on their number: only the layout matters.
      plan.warm = q != null && plan.q != null && q.length == plan.q.count() ? q.clone() : null;
    }
  }
}
