package dev.cohort.train.tensor;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A piece of the model spread over a tensor group: a replicated input, a replicated output, its
 * parameters (this rank's shards and the replicated ones), and the all-reduces it issued. Its calls
 * are collective over the group, with gradients on ({@code JniUtils.setGradMode}).
 */
public interface TensorParallelModule {
  /** The output for {@code x} (replicated), the same on every rank. */
  NDArray forward(NDArray x);

  /**
   * From the output's gradient {@code dy}: accumulates the parameters' gradients and returns the
   * input's, the same on every rank.
   */
  NDArray backward(NDArray dy);

  /** This rank's parameters, in a fixed order. */
  List<NDArray> parameters();

  /** All-reduces issued so far. */
  int allReduces();

  /**
   * Those of {@link #parameters} that no other rank of the data-parallel world holds alike and that
   * only their own replicas average (a mixture of experts' experts); none by default.
   */
  default List<NDArray> localParameters() {
    return List.of();
  }

  /** Nanoseconds spent in its collectives so far (waiting for the slower ranks included). */
  long communicationNanos();
}
