package dev.cohort.train.optim;

import static dev.cohort.train.optim.OptimizerKernels.BETA1;
import static dev.cohort.train.optim.OptimizerKernels.BETA2;
import static dev.cohort.train.optim.OptimizerKernels.EPSILON;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The optimizer's arithmetic in plain Java: blocks of 2048 floats are copied from the buffers into
 * arrays, updated there (which C2 vectorizes where it can) and copied back. The reference the
 * {@link VectorKernels} match bit for bit, and what runs when the JVM lacks the Vector API. One
 * thread at a time: the blocks are this instance's.
 */
final class ScalarKernels implements OptimizerKernels {
  private static final int BLOCK = 2048;

  private final float[] w = new float[BLOCK];
  private final float[] g = new float[BLOCK];

  @Override
  public void adam(
      ByteBuffer wb, ByteBuffer gb, float[] m, float[] v, int from, int to, float lrt) {
    FloatBuffer wf = floats(wb);
    FloatBuffer gf = floats(gb);
    for (int at = from; at < to; at += BLOCK) {
      int len = Math.min(BLOCK, to - at);
      wf.get(at, w, 0, len);
      gf.get(at, g, 0, len);
      for (int i = 0; i < len; i++) {
        float gi = g[i];
        float mi = BETA1 * m[at + i] + (1 - BETA1) * gi;
        float vi = BETA2 * v[at + i] + (1 - BETA2) * gi * gi;
        m[at + i] = mi;
        v[at + i] = vi;
        w[i] -= lrt * mi / ((float) Math.sqrt(vi) + EPSILON);
      }
      wf.put(at, w, 0, len);
    }
  }

  @Override
  public void momentum(
      ByteBuffer wb, ByteBuffer gb, float[] u, int from, int to, float mu, float lr) {
    FloatBuffer wf = floats(wb);
    FloatBuffer gf = floats(gb);
    for (int at = from; at < to; at += BLOCK) {
      int len = Math.min(BLOCK, to - at);
      wf.get(at, w, 0, len);
      gf.get(at, g, 0, len);
      for (int i = 0; i < len; i++) {
        float ui = mu * u[at + i] + g[i];
        u[at + i] = ui;
        w[i] -= lr * ui;
      }
      wf.put(at, w, 0, len);
    }
  }

  @Override
  public void sgd(ByteBuffer wb, ByteBuffer gb, int from, int to, float lr) {
    FloatBuffer wf = floats(wb);
    FloatBuffer gf = floats(gb);
    for (int at = from; at < to; at += BLOCK) {
      int len = Math.min(BLOCK, to - at);
      wf.get(at, w, 0, len);
      gf.get(at, g, 0, len);
      for (int i = 0; i < len; i++) {
        w[i] -= lr * g[i];
      }
      wf.put(at, w, 0, len);
    }
  }

  @Override
  public String name() {
    return "scalar";
  }

  /** The buffer's floats from its position, in native order, leaving the buffer as it is. */
  private static FloatBuffer floats(ByteBuffer b) {
    return b.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }
}
