package dev.cohort.train.tensor;

import ai.djl.ndarray.NDArray;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.train.data.TensorViews;
import dev.cohort.train.optim.FusedOptimizer;
import dev.cohort.train.optim.GradientClipping;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A split model's update: each parameter's gradient averaged in place across the ranks holding it
 * alike (one all-reduce per tensor; the local parameters, experts, only across their own replicas
 * and scaled), then the fused optimizer on every parameter in place, then the gradients zeroed.
 */
final class SplitUpdate {
  private final List<NDArray> parameters;
  private final Set<NDArray> local = Collections.newSetFromMap(new IdentityHashMap<>());
  private final SplitGpt.Averaging averaging;
  private final FusedOptimizer optimizer;
  private long averagingNanos;

  SplitUpdate(
      List<NDArray> parameters,
      List<NDArray> local,
      SplitGpt.Averaging averaging,
      SplitGpt.Optimizer optimizer) {
    this.parameters = List.copyOf(parameters);
    this.local.addAll(local);
    this.averaging = averaging;
    List<Integer> sizes = new ArrayList<>();
    parameters.forEach(p -> sizes.add(Math.toIntExact(p.size())));
    this.optimizer = new FusedOptimizer(optimizer.name(), optimizer.momentum(), sizes);
  }

  /** See {@link SplitGpt#update}. */
  void update(int step, float learningRate, float scale) {
    List<ByteBuffer> weights = new ArrayList<>();
    List<ByteBuffer> grads = new ArrayList<>();
    List<NDArray> open = new ArrayList<>();
    try {
      for (NDArray p : parameters) {
        NDArray g = p.getGradient();
        open.add(g);
        ByteBuffer gradient = TensorViews.view(g, "a gradient");
        boolean isLocal = local.contains(p);
        average(isLocal ? averaging.localReplicas() : averaging.replicas(), gradient);
        GradientClipping.scale(List.of(gradient), isLocal ? scale * averaging.localScale() : scale);
        weights.add(TensorViews.view(p, "a parameter"));
        grads.add(gradient);
      }
      optimizer.step(weights, grads, step, learningRate);
      grads.forEach(TensorViews::zero);
    } finally {
      open.forEach(NDArray::close);
    }
  }

  private void average(ProcessGroup group, ByteBuffer gradient) {
    if (group != null && group.size() > 1) {
      long t0 = System.nanoTime();
      group.allReduce(
          Tensor.of(gradient, DataType.FLOAT32, gradient.capacity() / Float.BYTES), ReduceOp.AVG);
      averagingNanos += System.nanoTime() - t0;
    }
  }

  long averagingNanos() {
    return averagingNanos;
  }

  long parameterBytes() {
    return parameters.stream().mapToLong(p -> p.size() * Float.BYTES).sum();
  }

  long optimizerBytes() {
    return optimizer.state().values().stream().mapToLong(s -> (long) s.length * Float.BYTES).sum();
  }
}
