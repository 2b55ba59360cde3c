package dev.cohort.train.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;

/**
 * A mixture-of-experts layer's full weights, as one worker holding every expert has them: the
 * router and each expert's MLP stacked on a first axis of E. Drawn from (seed, layer) alone, so
 * that every worker of an expert group cuts its experts from the same master weights and one worker
 * and g workers train the same model.
 *
 * @param router (E, width), no bias
 * @param w1 (E, hidden, width)
 * @param b1 (E, hidden)
 * @param w2 (E, width, hidden)
 * @param b2 (E, width)
 */
public record ExpertWeights(NDArray router, NDArray w1, NDArray b1, NDArray w2, NDArray b2)
    implements AutoCloseable {

  /**
   * Draws a layer's weights: the experts' matrices Xavier-uniform, their biases 0, the router
   * normal with standard deviation {@code sqrt(0.1 / width)} (the Switch Transformer's small router
   * initialisation, for nearly even routing at first).
   */
  public static ExpertWeights draw(
      NDManager manager, long seed, int layer, int experts, int width, int hidden) {
    Random random = new Random(seed * 1_000_003L + layer);
    float[] router = new float[experts * width];
    double std = Math.sqrt(0.1 / width);
    for (int i = 0; i < router.length; i++) {
      router[i] = (float) (random.nextGaussian() * std);
    }
    double bound = Math.sqrt(6.0 / (width + hidden));
    return new ExpertWeights(
        manager.create(router, new Shape(experts, width)),
        manager.create(
            uniform(random, experts * hidden * width, bound), new Shape(experts, hidden, width)),
        manager.zeros(new Shape(experts, hidden)),
        manager.create(
            uniform(random, experts * width * hidden, bound), new Shape(experts, width, hidden)),
        manager.zeros(new Shape(experts, width)));
  }

  private static float[] uniform(Random random, int n, double bound) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    return out;
  }

  /** Experts per layer, E. */
  public int experts() {
    return Math.toIntExact(router.getShape().get(0));
  }

  @Override
  public void close() {
    List.of(router, w1, b1, w2, b2).forEach(NDArray::close);
  }
}
