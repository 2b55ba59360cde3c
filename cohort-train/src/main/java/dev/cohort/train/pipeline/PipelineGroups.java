package dev.cohort.train.pipeline;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The groups a rank of pipeline x data parallelism talks in: world rank w is rank {@code w % p} of
 * pipeline {@code w / p} (its stages' neighbours), and a member of the data-parallel group of every
 * rank holding the same stages in the other pipelines (where their gradients are averaged).
 *
 * @param pipeline this rank's pipeline
 * @param dataParallel the ranks holding the same stages, one per pipeline (size 1 without data
 *     parallelism)
 * @param pipelineIndex which pipeline this rank is in, from 0
 * @param channels the groups that carry activations and gradients to and from this rank's
 *     neighbours in its pipeline, one per direction
 */
public record PipelineGroups(
    ProcessGroup pipeline, ProcessGroup dataParallel, int pipelineIndex, PipelineChannels channels)
    implements AutoCloseable {

  /**
   * Splits {@code world} into pipelines of {@code pipelineSize} consecutive ranks. Collective:
   * every rank of the world calls it.
   *
   * @throws IllegalArgumentException if the world is not a whole number of pipelines
   */
  public static PipelineGroups split(ProcessGroup world, int pipelineSize) {
    int n = world.size();
    if (pipelineSize < 1 || n % pipelineSize != 0) {
      throw new IllegalArgumentException(
          n
              + " workers do not make whole pipelines of "
              + pipelineSize
              + " stages' ranks: use a worker count that is a multiple of "
              + pipelineSize);
    }
    int pipelines = n / pipelineSize;
    ProcessGroup mine = null;
    ProcessGroup replicas = null;
    // Every rank creates every group, in the same order; a rank gets null for groups without it.
    for (int d = 0; d < pipelines; d++) {
      List<Integer> ranks = new ArrayList<>();
      for (int r = 0; r < pipelineSize; r++) {
        ranks.add(d * pipelineSize + r);
      }
      ProcessGroup g = world.newSubGroup(ranks);
      mine = g != null ? g : mine;
    }
    for (int r = 0; r < pipelineSize; r++) {
      List<Integer> ranks = new ArrayList<>();
      for (int d = 0; d < pipelines; d++) {
        ranks.add(d * pipelineSize + r);
      }
      ProcessGroup g = world.newSubGroup(ranks);
      replicas = g != null ? g : replicas;
    }
    return new PipelineGroups(
        mine, replicas, world.rank() / pipelineSize, PipelineChannels.open(world, pipelineSize));
  }

  /**
   * {@code values} as the pipeline's rank {@code root} holds them, on every rank of the pipeline,
   * then combined across the pipelines with {@code acrossPipelines}. Collective over the world.
   */
  float[] fromRank(int root, float[] values, ReduceOp acrossPipelines) {
    Tensor t = Tensor.allocate(DataType.FLOAT32, values.length);
    for (int i = 0; i < values.length; i++) {
      t.bytes().putFloat(i * Float.BYTES, values[i]);
    }
    pipeline.broadcast(t, root);
    if (dataParallel.size() > 1) {
      dataParallel.allReduce(t, acrossPipelines);
    }
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.bytes().getFloat(i * Float.BYTES);
    }
    return out;
  }

  /** Closes every group (the world they came from stays open). */
  @Override
  public void close() {
    try {
      channels.close();
    } finally {
      try {
        dataParallel.close();
      } finally {
        pipeline.close();
      }
    }
  }
}
