package dev.cohort.train.optim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD (with momentum) and Adam computed in Java, straight on libtorch's parameter memory and on the
 * averaged gradients where the all-reduce left them (the shared gradient buckets), in one pass per
 * parameter. DJL's own optimizers pay several JNI calls per parameter per step, which for small
 * models costs more than the arithmetic; this pays none. Blocks of parameters go through Java
 * arrays so that C2 vectorizes the arithmetic.
 *
 * <p>Adam follows DJL's form: with t the step number (from 1), {@code lr_t = lr * sqrt(1 - b2^t) /
 * (1 - b1^t)}, {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2}, {@code w -= lr_t * m
 * / (sqrt(v) + eps)}. SGD with momentum follows PyTorch's: {@code u = mu u + g}, {@code w -= lr u}.
 */
public final class FusedOptimizer {
  private static final int BLOCK = 2048;
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

  private final boolean adam;
  private final float momentum;

  /** Per parameter: Adam's first moment, or SGD's momentum buffer (null for plain SGD). */
  private final float[][] first;

  /** Per parameter: Adam's second moment. */
  private final float[][] second;

  private final float[] w = new float[BLOCK];
  private final float[] g = new float[BLOCK];

  /**
   * @param optimizer "sgd" or "adam"
   * @param sizes element count of each parameter, in the order {@link #step} receives them
   */
  public FusedOptimizer(String optimizer, float momentum, List<Integer> sizes) {
    this.adam = optimizer.equals("adam");
    this.momentum = momentum;
    this.first = new float[sizes.size()][];
    this.second = new float[sizes.size()][];
    for (int i = 0; i < sizes.size(); i++) {
      if (adam || momentum > 0) {
        first[i] = new float[sizes.get(i)];
      }
      if (adam) {
        second[i] = new float[sizes.get(i)];
      }
    }
  }

  /** The optimizer's state as named arrays (live references), for checkpoints. */
  public Map<String, float[]> state() {
    Map<String, float[]> m = new LinkedHashMap<>();
    for (int i = 0; i < first.length; i++) {
      if (first[i] != null) {
        m.put("optimizer/first/" + i, first[i]);
      }
      if (second[i] != null) {
        m.put("optimizer/second/" + i, second[i]);
      }
    }
    return m;
  }

  /**
   * Restores state saved by {@link #state}.
   *
   * @throws IllegalArgumentException if the saved state does not fit this optimizer and model
   */
  public void restore(Map<String, float[]> saved) {
    for (var e : state().entrySet()) {
      float[] from = saved.get(e.getKey());
      if (from == null || from.length != e.getValue().length) {
        throw new IllegalArgumentException(
            "the checkpoint has no optimizer state '"
                + e.getKey()
                + "' of "
                + e.getValue().length
                + " values: was it written with another optimizer "
                + "or model?");
      }
      System.arraycopy(from, 0, e.getValue(), 0, from.length);
    }
  }

  /**
   * Updates every parameter in place.
   *
   * @param weights each parameter's memory (float32, native order)
   * @param grads each parameter's gradient (float32, native order), same order
   * @param step the number of this update, from 1
   * @param lr the learning rate for this update
   */
  public void step(List<ByteBuffer> weights, List<ByteBuffer> grads, int step, float lr) {
    float lrt =
        adam
            ? (float) (lr * Math.sqrt(1 - Math.pow(BETA2, step)) / (1 - Math.pow(BETA1, step)))
            : lr;
    for (int p = 0; p < weights.size(); p++) {
      FloatBuffer wb = weights.get(p).duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
      FloatBuffer gb = grads.get(p).duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
      int n = wb.remaining();
      for (int at = 0; at < n; at += BLOCK) {
        int len = Math.min(BLOCK, n - at);
        wb.get(at, w, 0, len);
        gb.get(at, g, 0, len);
        if (adam) {
          adam(first[p], second[p], at, len, lrt);
        } else if (momentum > 0) {
          momentum(first[p], at, len, lr);
        } else {
          for (int i = 0; i < len; i++) {
            w[i] -= lr * g[i];
          }
        }
        wb.put(at, w, 0, len);
      }
    }
  }

  private void adam(float[] m, float[] v, int at, int len, float lrt) {
    for (int i = 0; i < len; i++) {
      float gi = g[i];
      float mi = BETA1 * m[at + i] + (1 - BETA1) * gi;
      float vi = BETA2 * v[at + i] + (1 - BETA2) * gi * gi;
      m[at + i] = mi;
      v[at + i] = vi;
      w[i] -= lrt * mi / ((float) Math.sqrt(vi) + EPSILON);
    }
  }

  private void momentum(float[] u, int at, int len, float lr) {
    for (int i = 0; i < len; i++) {
      float ui = momentum * u[at + i] + g[i];
      u[at + i] = ui;
      w[i] -= lr * ui;
    }
  }
}
