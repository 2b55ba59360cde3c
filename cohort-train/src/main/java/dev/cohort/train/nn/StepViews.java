package dev.cohort.train.nn;

import ai.djl.ndarray.NDArray;

/**
 * Views of long-lived weights made for one step. DJL puts an operation's result in its first
 * operand's manager, so {@code w.transpose()} on a weight would leave a new array in the model's
 * manager every step, never freed until the model is; these views belong to the step's manager
 * instead (libtorch's autograd keeps what the backward pass needs on its own).
 */
public final class StepViews {
  private StepViews() {}

  /**
   * {@code w} with {@code axes} permuted (all reversed when none are given), owned by {@code
   * step}'s manager.
   */
  public static NDArray transposed(NDArray w, NDArray step, int... axes) {
    NDArray view = axes.length == 0 ? w.transpose() : w.transpose(axes);
    view.attach(step.getManager());
    return view;
  }
}
