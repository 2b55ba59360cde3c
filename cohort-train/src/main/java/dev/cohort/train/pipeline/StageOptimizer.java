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
 * micro-batches by libtorch) are averaged across the pipelines holding the same stage, as one
 * bucket started as soon as the stage's last backward is done ({@link #startAverage}) and finished
 * before the update ({@link #finishAverage}), so that it overlaps the rest of the pipeline's drain;
 * their squared norm is counted towards the model's for clipping ({@link #sumOfSquares}), and
 * {@link #update} scales them, updates the parameters in place and zeroes the gradients for the
 * next batch.
 */
final class StageOptimizer {
  private final List<Parameter> parameters;
  private final FusedOptimizer optimizer;
  private final ProcessGroup replicas;
  private final int elements;
  private Tensor bucket; // every gradient, back to back, while it is averaged
  private Work averaging;

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
    this.elements = sizes.stream().mapToInt(Integer::intValue).sum();
  }

  /**
   * Copies the gradients into one bucket and starts averaging it across the replicas; returns at
   * once. Collective over the replicas (each starts it at its own stage's last backward).
   */
  void startAverage() {
    if (replicas.size() == 1) {
      return;
    }
    if (bucket == null) {
      bucket = Tensor.allocate(DataType.FLOAT32, elements);
    }
    ByteBuffer flat = bucket.bytes().duplicate().clear();
    withGradients(grads -> grads.forEach(g -> flat.put(g.duplicate().clear())));
    averaging = replicas.allReduceAsync(bucket, ReduceOp.AVG);
  }

  /** Waits for the average {@link #startAverage} started and puts it back into the gradients. */
  void finishAverage() {
    if (averaging == null) {
      return;
    }
    averaging.await();
    averaging = null;
    ByteBuffer flat = bucket.bytes().duplicate().clear();
    withGradients(
        grads -> {
          for (ByteBuffer g : grads) {
            ByteBuffer part = flat.slice().limit(g.capacity());
            g.duplicate().clear().put(part);
            flat.position(flat.position() + g.capacity());
          }
        });
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
