package dev.cohort.train.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.model.gpt.CausalAttention;
import dev.cohort.train.nn.StepViews;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The transformer's causal self-attention as a {@link TensorParallelRegion}, split by heads: rank r
 * holds heads {@code [r H/t, (r+1) H/t)}, i.e. those heads' rows of the query, key and value
 * weights and biases (column-parallel) and the same columns of the output projection
 * (row-parallel); the projection's bias is whole and added after the reduction. Without dropout on
 * the attention weights: inside the region each rank would need a stream of its own.
 */
public final class TensorParallelAttention extends TensorParallelRegion {
  private final NDArray qkvWeight; // (3 w/t, w)
  private final NDArray qkvBias; // (3 w/t)
  private final NDArray projection; // (w, w/t)
  private final int heads; // this rank's
  private final long headWidth;

  /**
   * Cuts this rank's shards from the full weights, in {@code manager}.
   *
   * @param heads the model's attention heads
   * @param qkvWeight queries', keys' and values' weights stacked, (3 width, width)
   * @param qkvBias their biases, (3 width)
   * @param projectionWeight the output projection, (width, width)
   * @param projectionBias its bias, (width)
   * @throws IllegalArgumentException if the heads do not split evenly over the group
   */
  public TensorParallelAttention(
      ProcessGroup group,
      NDManager manager,
      int heads,
      NDArray qkvWeight,
      NDArray qkvBias,
      NDArray projectionWeight,
      NDArray projectionBias) {
    super(group, manager, projectionBias);
    long width = qkvWeight.getShape().get(1);
    long[] mine = share(group, heads, "the attention's heads");
    this.heads = Math.toIntExact(mine[1] - mine[0]);
    this.headWidth = width / heads;
    long from = mine[0] * headWidth;
    long to = mine[1] * headWidth;
    this.qkvWeight = stacked(manager, qkvWeight, width, from, to, ", :");
    this.qkvBias = stacked(manager, qkvBias, width, from, to, "");
    this.projection = shard(manager, projectionWeight, ":, " + from + ":" + to);
  }

  /** Rows {@code [from, to)} of each of the query, key and value parts, stacked again. */
  private static NDArray stacked(
      NDManager manager, NDArray full, long width, long from, long to, String rest) {
    NDList parts = new NDList();
    for (int p = 0; p < 3; p++) {
      parts.add(full.get((p * width + from) + ":" + (p * width + to) + rest));
    }
    NDArray joined = NDArrays.concat(parts, 0);
    NDArray out = shard(manager, joined, rest.isEmpty() ? ":" : ":, :");
    parts.close();
    joined.close();
    return out;
  }

  @Override
  protected NDArray partial(NDArray x) {
    NDArray qkv = x.matMul(StepViews.transposed(qkvWeight, x)).add(qkvBias);
    return CausalAttention.attend(qkv, heads, headWidth, UnaryOperator.identity())
        .matMul(StepViews.transposed(projection, x));
  }

  /** The query/key/value weight and bias and the projection (this rank's shards), its bias. */
  @Override
  public List<NDArray> parameters() {
    return List.of(qkvWeight, qkvBias, projection, bias());
  }
}
