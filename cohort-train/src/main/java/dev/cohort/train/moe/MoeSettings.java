package dev.cohort.train.moe;

/**
 * How a mixture-of-experts layer routes.
 *
 * @param experts experts per layer, E
 * @param topK experts each token uses: 1 (Switch Transformer) or 2 (GShard)
 * @param capacityFactor each expert takes at most {@code ceil(factor k n / E)} of a group's n
 *     tokens' k choices; the rest are dropped (the residual carries the token on)
 * @param auxLossWeight α of the load-balancing loss {@code α E Σ fᵢ Pᵢ} (0: none)
 */
public record MoeSettings(int experts, int topK, double capacityFactor, double auxLossWeight) {
  /** The Switch Transformer's load-balancing weight. */
  public static final double DEFAULT_AUX_LOSS = 0.01;

  /** The capacity factor when none is given. */
  public static final double DEFAULT_CAPACITY = 1.25;

  /**
   * @throws IllegalArgumentException for fewer than 2 experts, k not 1 or 2 (or above E), a
   *     capacity factor not above 0, or a negative weight
   */
  public MoeSettings {
    if (experts < 2) {
      throw new IllegalArgumentException(
          "--experts must be at least 2 (a mixture of one expert is the dense model), got "
              + experts);
    }
    if (topK < 1 || topK > 2 || topK > experts) {
      throw new IllegalArgumentException("--top-k must be 1 or 2 (and at most --experts)");
    }
    if (!(capacityFactor > 0) || Double.isInfinite(capacityFactor)) {
      throw new IllegalArgumentException(
          "--capacity-factor must be a positive number, got " + capacityFactor);
    }
    if (!(auxLossWeight >= 0) || Double.isInfinite(auxLossWeight)) {
      throw new IllegalArgumentException("--aux-loss must be 0 or more, got " + auxLossWeight);
    }
  }

  /** Slots per expert for a group of {@code tokens} tokens: {@code ceil(factor k n / E)}. */
  public int capacity(int tokens) {
    return (int) Math.max(1, Math.ceil(capacityFactor * topK * tokens / experts));
  }
}
