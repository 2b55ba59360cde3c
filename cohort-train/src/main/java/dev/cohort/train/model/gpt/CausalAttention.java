package dev.cohort.train.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.train.nn.GraphScalars;
import java.util.function.UnaryOperator;

/**
 * The heart of causal self-attention, shared by the whole model's block and a tensor-parallel
 * rank's share of the heads: from queries, keys and values packed as {@code (batch, time, 3 w)} for
 * some heads of width d ({@code w = heads d}), softmax(q kᵀ / √d + mask) v per head, the heads
 * concatenated back to {@code (batch, time, w)}. Position t sees positions up to t only.
 */
public final class CausalAttention {
  private static final float MASKED = -1e9f;

  private CausalAttention() {}

  /**
   * @param weightsDropout applied to the attention weights (identity for none)
   */
  public static NDArray attend(
      NDArray qkv, int heads, long headWidth, UnaryOperator<NDArray> weightsDropout) {
    long batch = qkv.getShape().get(0);
    long time = qkv.getShape().get(1);
    NDList parts = qkv.split(3, 2);
    NDArray q = toHeads(parts.get(0), batch, time, heads, headWidth);
    NDArray k = toHeads(parts.get(1), batch, time, heads, headWidth);
    NDArray v = toHeads(parts.get(2), batch, time, heads, headWidth);
    NDArray scores =
        GraphScalars.divide(q.matMul(k.transpose(0, 1, 3, 2)), Math.sqrt(headWidth))
            .add(causalMask(qkv.getManager(), time));
    NDArray weights = weightsDropout.apply(scores.softmax(-1));
    return weights.matMul(v).transpose(0, 2, 1, 3).reshape(batch, time, heads * headWidth);
  }

  private static NDArray toHeads(NDArray a, long batch, long time, int heads, long width) {
    return a.reshape(batch, time, heads, width).transpose(0, 2, 1, 3);
  }

  /** 0 where a position may look (itself and before), a large negative number after it. */
  private static NDArray causalMask(NDManager manager, long time) {
    int t = Math.toIntExact(time);
    float[] mask = new float[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        mask[i * t + j] = MASKED;
      }
    }
    return manager.create(mask, new Shape(t, t));
  }
}
