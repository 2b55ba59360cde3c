package dev.cohort.train.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;
import dev.cohort.train.nn.StepViews;
import dev.cohort.train.tensor.TensorParallelRegion;
import java.util.List;

/**
 * The experts one worker holds, {@code [first, first + count)} of a layer's E, stacked so that all
 * of them run as one batched matrix product: expert e maps its rows x to {@code W2 gelu(W1 x + b1)
 * + b2}, the transformer's MLP.
 */
final class Experts {
  private final NDArray w1; // (El, hidden, width)
  private final NDArray b1; // (El, 1, hidden)
  private final NDArray w2; // (El, width, hidden)
  private final NDArray b2; // (El, 1, width)

  /** Copies experts {@code [first, first + count)} of {@code full} into {@code manager}. */
  Experts(NDManager manager, ExpertWeights full, int first, int count) {
    String mine = first + ":" + (first + count);
    this.w1 = TensorParallelRegion.shard(manager, full.w1().get(new NDIndex(mine)));
    this.b1 = TensorParallelRegion.shard(manager, full.b1().get(new NDIndex(mine)).expandDims(1));
    this.w2 = TensorParallelRegion.shard(manager, full.w2().get(new NDIndex(mine)));
    this.b2 = TensorParallelRegion.shard(manager, full.b2().get(new NDIndex(mine)).expandDims(1));
  }

  /** Each expert's output for its rows: {@code x} is (El, rows, width), and so is the result. */
  NDArray forward(NDArray x) {
    NDArray h = Activation.gelu(x.matMul(StepViews.transposed(w1, x, 0, 2, 1)).add(b1));
    return h.matMul(StepViews.transposed(w2, x, 0, 2, 1)).add(b2);
  }

  /** W1, b1, W2, b2, each stacked over this worker's experts. */
  List<NDArray> parameters() {
    return List.of(w1, b1, w2, b2);
  }
}
