package dev.cohort.train.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.nn.StepViews;
import java.util.List;

/**
 * The transformer's MLP, {@code y = W2 gelu(W1 x + b1) + b2}, as a {@link TensorParallelRegion}:
 * rank r holds rows {@code [r h/t, (r+1) h/t)} of W1 and b1 (column-parallel, h the hidden width)
 * and the same columns of W2 (row-parallel); b2 is whole and added after the reduction.
 */
public final class TensorParallelMlp extends TensorParallelRegion {
  private final NDArray w1; // (h/t, c)
  private final NDArray b1; // (h/t)
  private final NDArray w2; // (c, h/t)

  /**
   * Cuts this rank's shards from the full weights, in {@code manager}.
   *
   * @param w1 the full first weight, (hidden, width)
   * @param b1 its bias, (hidden)
   * @param w2 the full second weight, (width, hidden)
   * @param b2 its bias, (width)
   * @throws IllegalArgumentException if the hidden width does not split evenly over the group
   */
  public TensorParallelMlp(
      ProcessGroup group, NDManager manager, NDArray w1, NDArray b1, NDArray w2, NDArray b2) {
    super(group, manager, b2);
    long[] mine = share(group, w1.getShape().get(0), "the MLP's hidden width");
    String rows = mine[0] + ":" + mine[1];
    this.w1 = shard(manager, w1, rows + ", :");
    this.b1 = shard(manager, b1, rows);
    this.w2 = shard(manager, w2, ":, " + rows);
  }

  @Override
  protected NDArray partial(NDArray x) {
    NDArray h = Activation.gelu(x.matMul(StepViews.transposed(w1, x)).add(b1));
    return h.matMul(StepViews.transposed(w2, x));
  }

  /** W1, b1, W2 (this rank's shards), b2. */
  @Override
  public List<NDArray> parameters() {
    return List.of(w1, b1, w2, bias());
  }
}
