package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;
import dev.cohort.train.data.TensorViews;
import dev.cohort.train.optim.FusedOptimizer;
import dev.cohort.train.optim.GradientClipping;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One stage's optimizer. Once per global batch: the stage's gradients (summed over its
 * micro-batches by libtorch) are averaged in place across the pipelines holding the same stage,
 * started as soon as the stage's last backward is done ({@link #startAverage}) and awaited before
 * the update ({@link #finishAverage}), so that it overlaps the rest of the pipeline's drain and
 * needs no memory beyond the gradients; their squared norm is counted towards the model's for
 * clipping ({@link #sumOfSquares}), and {@link #update} scales them, updates the parameters in
 * place and zeroes the gradients for the next batch.
 */
final class StageOptimizer {
  private final List<Parameter> parameters;
  private final FusedOptimizer optimizer;
  private final ProcessGroup replicas;
  private final List<Work> averaging = new ArrayList<>();
  private final List<NDArray> averaged = new ArrayList<>(); // their gradients, open until done

  /**
   * @param optimizer "sgd" or "adam"
   * @param momentum SGD's momentum (0: none)
   * @param replicas the ranks holding the same stage in the other pipelines
   */
  StageOptimizer(
      List<Parameter> parameters, String optimizer, float momentum, ProcessGroup replicas) {
    this.parameters = List.copyOf(parameters);
    List<Integer> sizes = new ArrayList<>();
    parameters.forEach(p -> sizes.add(Math.toIntExact(p.getArray().size())));
    this.optimizer = new FusedOptimizer(optimizer, momentum, sizes);
    this.replicas = replicas;
  }

  /**
   * Starts averaging every gradient in place across the replicas; returns at once. Collective over
   * the replicas (each starts it at its own stage's last backward).
   *
   * @throws IllegalStateException if the previous average was not finished
   */
  void startAverage() {
    if (replicas.size() == 1) {
      return;
    }
    if (!averaging.isEmpty()) {
      throw new IllegalStateException(
          "the stage's gradients are averaged twice in one step: its last backward came again"
              + " before its update");
    }
    for (Parameter p : parameters) {
      NDArray g = p.getArray().getGradient();
      averaged.add(g);
      ByteBuffer view = TensorViews.view(g, "gradient of " + p.getName());
      averaging.add(
          replicas.allReduceAsync(
              Tensor.of(view, DataType.FLOAT32, view.capacity() / Float.BYTES), ReduceOp.AVG));
    }
  }

  /** Forgets an average in progress (its rank failed and aborted its groups). */
  void cancelAverage() {
    averaging.clear();
    averaged.forEach(NDArray::close);
    averaged.clear();
  }

  /** Waits for the averages {@link #startAverage} started. */
  void finishAverage() {
    try {
      for (Work w : averaging) {
        w.await();
      }
    } finally {
      averaging.clear();
      averaged.forEach(NDArray::close);
      averaged.clear();
    }
  }

  /** The sum of the squares of this stage's gradients. */
  double sumOfSquares() {
    double[] sum = {0};
    withGradients(grads -> sum[0] = GradientClipping.sumOfSquares(grads));
    return sum[0];
  }

  /**
   * Update number {@code step} (from 1) with the gradients times {@code scale}, then zeroes them.
   */
  void update(int step, float lr, float scale) {
    List<ByteBuffer> weights = new ArrayList<>();
    for (Parameter p : parameters) {
      weights.add(TensorViews.view(p.getArray(), p.getName()));
    }
    withGradients(
        grads -> {
          GradientClipping.scale(grads, scale);
          optimizer.step(weights, grads, step, lr);
          grads.forEach(TensorViews::zero);
        });
  }

  /** The optimizer's state, live (see {@link FusedOptimizer#state}). */
  java.util.Map<String, float[]> state() {
    return optimizer.state();
  }

  /** Restores state saved from {@link #state}. */
  void restore(java.util.Map<String, float[]> saved) {
    optimizer.restore(saved);
  }

  /** Runs {@code body} on views of the parameters' gradients, in parameter order. */
  private void withGradients(java.util.function.Consumer<List<ByteBuffer>> body) {
    List<ByteBuffer> grads = new ArrayList<>();
    List<NDArray> open = new ArrayList<>();
    try {
      for (Parameter p : parameters) {
        NDArray g = p.getArray().getGradient();
        open.add(g);
        grads.add(TensorViews.view(g, "gradient of " + p.getName()));
      }
      body.accept(grads);
    } finally {
      open.forEach(NDArray::close);
    }
  }
}
