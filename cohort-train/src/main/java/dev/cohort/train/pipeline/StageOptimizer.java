package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.train.data.TensorViews;
import dev.cohort.train.optim.FusedOptimizer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One stage's optimizer: once per global batch, the stage's gradients (summed over its
 * micro-batches by libtorch) are averaged across the pipelines holding the same stage, the
 * parameters updated in place, and the gradients zeroed for the next batch.
 */
final class StageOptimizer {
  private final List<Parameter> parameters;
  private final FusedOptimizer optimizer;
  private final ProcessGroup replicas;

  /**
   * @param optimizer "sgd" or "adam"
   * @param replicas the ranks holding the same stage in the other pipelines
   */
  StageOptimizer(List<Parameter> parameters, String optimizer, ProcessGroup replicas) {
    this.parameters = List.copyOf(parameters);
    List<Integer> sizes = new ArrayList<>();
    parameters.forEach(p -> sizes.add(Math.toIntExact(p.getArray().size())));
    this.optimizer = new FusedOptimizer(optimizer, 0, sizes);
    this.replicas = replicas;
  }

  /**
   * Update number {@code step} (from 1). Collective over the replicas.
   *
   * @return nanoseconds spent averaging gradients across the replicas
   */
  long step(int step, float lr) {
    List<ByteBuffer> weights = new ArrayList<>();
    List<ByteBuffer> grads = new ArrayList<>();
    List<NDArray> open = new ArrayList<>();
    try {
      for (Parameter p : parameters) {
        weights.add(TensorViews.view(p.getArray(), p.getName()));
        NDArray g = p.getArray().getGradient();
        open.add(g);
        grads.add(TensorViews.view(g, "gradient of " + p.getName()));
      }
      long t0 = System.nanoTime();
      if (replicas.size() > 1) {
        for (ByteBuffer g : grads) { // each parameter's gradient, averaged in place
          replicas.allReduce(
              Tensor.of(g, dev.cohort.comm.DataType.FLOAT32, g.capacity() / Float.BYTES),
              ReduceOp.AVG);
        }
      }
      long averaging = System.nanoTime() - t0;
      optimizer.step(weights, grads, step, lr);
      for (ByteBuffer g : grads) {
        ByteBuffer z = g.duplicate().clear();
        while (z.remaining() >= Float.BYTES) {
          z.putFloat(0f);
        }
      }
      return averaging;
    } finally {
      open.forEach(NDArray::close);
    }
  }
}
