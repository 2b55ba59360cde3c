package dev.cohort.train.optim;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Gradient-norm clipping: when the whole model's gradient is longer than a bound, every gradient is
 * scaled by the same factor so that the norm equals the bound (PyTorch's {@code clip_grad_norm_}).
 * The squared norm is summed where the gradients are (one rank's stages, or all of a data-parallel
 * rank's parameters), then over the ranks that hold the rest.
 */
public final class GradientClipping {
  private static final double EPSILON = 1e-6;

  private GradientClipping() {}

  /** The sum of the squares of the float32 gradients (native order views). */
  public static double sumOfSquares(List<ByteBuffer> grads) {
    double sum = 0;
    for (ByteBuffer g : grads) {
      for (int i = 0; i < g.capacity(); i += Float.BYTES) {
        double v = g.getFloat(i);
        sum += v * v;
      }
    }
    return sum;
  }

  /**
   * The factor that brings a gradient of squared norm {@code sumOfSquares} within {@code bound}.
   */
  public static float factor(double sumOfSquares, float bound) {
    double norm = Math.sqrt(sumOfSquares);
    return bound > 0 && norm > bound ? (float) (bound / (norm + EPSILON)) : 1f;
  }

  /** Multiplies every gradient by {@code factor}, in place (nothing to do for 1). */
  public static void scale(List<ByteBuffer> grads, float factor) {
    if (factor == 1f) {
      return;
    }
    for (ByteBuffer g : grads) {
      for (int i = 0; i < g.capacity(); i += Float.BYTES) {
        g.putFloat(i, g.getFloat(i) * factor);
      }
    }
  }
}
