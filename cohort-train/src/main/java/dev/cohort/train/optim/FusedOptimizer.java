package dev.cohort.train.optim;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD (with momentum) and Adam computed in Java, straight on libtorch's parameter memory and on the
 * averaged gradients where the all-reduce left them (the shared gradient buckets), in one pass per
 * parameter. DJL's own optimizers pay several JNI calls per parameter per step, which for small
 * models costs more than the arithmetic; this pays none. The arithmetic is {@link
 * OptimizerKernels}': SIMD on the Vector API when the JVM has it ({@code --add-modules
 * jdk.incubator.vector}, which Cohort's workers get), plain Java otherwise, bitwise the same.
 *
 * <p>Adam follows DJL's form: with t the step number (from 1), {@code lr_t = lr * sqrt(1 - b2^t) /
 * (1 - b1^t)}, {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2}, {@code w -= lr_t * m
 * / (sqrt(v) + eps)}. SGD with momentum follows PyTorch's: {@code u = mu u + g}, {@code w -= lr u}.
 *
 * <p>One thread at a time.
 */
public final class FusedOptimizer {
  private final boolean adam;
  private final float momentum;
  private final OptimizerKernels kernels;

  /** Per parameter: Adam's first moment, or SGD's momentum buffer (null for plain SGD). */
  private final float[][] first;

  /** Per parameter: Adam's second moment. */
  private final float[][] second;

  /**
   * With the fastest kernels this JVM has ({@link OptimizerKernels#best()}).
   *
   * @param optimizer "sgd" or "adam"
   * @param sizes element count of each parameter, in the order {@link #step} receives them
   */
  public FusedOptimizer(String optimizer, float momentum, List<Integer> sizes) {
    this(optimizer, momentum, sizes, OptimizerKernels.best());
  }

  /**
   * With the given kernels, e.g. {@link OptimizerKernels#scalar()} to compare against.
   *
   * @param optimizer "sgd" or "adam"
   * @param sizes element count of each parameter, in the order {@link #step} receives them
   */
  public FusedOptimizer(
      String optimizer, float momentum, List<Integer> sizes, OptimizerKernels kernels) {
    this.adam = optimizer.equals("adam");
    this.momentum = momentum;
    this.kernels = kernels;
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

  /** The kernels this optimizer runs ("scalar" or "vector(16 floats)", ...), for logs. */
  public String kernels() {
    return kernels.name();
  }

  /**
   * The kinds of state it keeps per parameter, as {@link #state} names them: Adam's "first" and
   * "second" moments, momentum SGD's "first", none for plain SGD.
   */
  public List<String> stateKinds() {
    return adam ? List.of("first", "second") : momentum > 0 ? List.of("first") : List.of();
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
            ? (float)
                (lr
                    * Math.sqrt(1 - Math.pow(OptimizerKernels.BETA2, step))
                    / (1 - Math.pow(OptimizerKernels.BETA1, step)))
            : lr;
    for (int p = 0; p < weights.size(); p++) {
      ByteBuffer w = weights.get(p);
      ByteBuffer g = grads.get(p);
      int n = w.remaining() / Float.BYTES;
      if (adam) {
        kernels.adam(w, g, first[p], second[p], 0, n, lrt);
      } else if (momentum > 0) {
        kernels.momentum(w, g, first[p], 0, n, momentum, lr);
      } else {
        kernels.sgd(w, g, 0, n, lr);
      }
    }
  }
}
