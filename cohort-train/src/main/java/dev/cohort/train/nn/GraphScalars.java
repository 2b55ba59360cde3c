package dev.cohort.train.nn;

import ai.djl.ndarray.NDArray;

/**
 * Scalars for expressions that a backward pass will go through. DJL's {@code x.div(4)} (and mul,
 * pow with a number) wraps the number in a tensor over a Java direct buffer, computes, and closes
 * that tensor at once, while libtorch's autograd keeps it for the backward pass: once a garbage
 * collection frees the buffer, the backward pass reads freed memory and gradients come out wrong,
 * now and then (seen as runs that stopped being reproducible after a checkpoint's allocations).
 * These scalars belong to the operand's manager instead, which outlives the backward pass.
 */
public final class GraphScalars {
  private GraphScalars() {}

  /** {@code x / divisor}, safe for a later backward pass. */
  public static NDArray divide(NDArray x, double divisor) {
    return x.mul(x.getManager().create((float) (1.0 / divisor)));
  }
}
