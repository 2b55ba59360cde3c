package dev.cohort.lab.model;

import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.model.gpt.GptActivations;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.moe.MoeSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Tensor and expert parallelism for the language model on a number of workers, as options beside
 * {@link PipelinePlanner}'s: a tensor group stays inside a host (its 4 all-reduces per layer go
 * over shared memory; the replicas average their gradients over the network when they span hosts),
 * an expert group may span hosts (its all-to-alls then go over the network). Each worker computes
 * with its own cores, as {@link GptCompute} measured one; the steps come from {@link
 * TensorStepModel} and {@link MoeStepModel}, Adam's state is counted.
 *
 * @param name the model's name
 * @param model its sizes
 * @param globalBatch sequences per step, over all workers
 * @param optimizerSecondsPerParameter the optimizer's update time per parameter
 * @param compute how fast a worker computes
 * @param workersPerHost workers on one host
 */
public record SplitPlanner(
    String name,
    GptConfig model,
    int globalBatch,
    double optimizerSecondsPerParameter,
    GptCompute compute,
    int workersPerHost) {

  private static final long ADAM_BYTES_PER_PARAMETER = 4 + 4 + 8; // weight, gradient, 2 moments

  /**
   * The link among {@code span} consecutive workers: shared memory when they fit in a host, else
   * {@code net} between hosts.
   */
  public NetworkModel link(int span, NetworkModel net) {
    return span <= workersPerHost ? TensorStepModel.SHARED_MEMORY : net;
  }

  /**
   * Every tensor group size t ≥ 2 that divides the workers and the heads, fits in a host, and
   * leaves each replica a whole share of the global batch.
   */
  public List<PipelinePlanner.Option> tensorOptions(int workers, NetworkModel net) {
    List<PipelinePlanner.Option> out = new ArrayList<>();
    for (int t = 2; t <= Math.min(workers, workersPerHost); t++) {
      int replicas = workers / t;
      if (workers % t != 0
          || workersPerHost % t != 0 // a group of consecutive workers inside one host
          || model.heads() % t != 0
          || globalBatch % replicas != 0) {
        continue;
      }
      int rows = globalBatch / replicas;
      TensorStepModel step =
          new TensorStepModel(
              model,
              rows,
              1,
              new TensorStepModel.Phases(
                  compute.forwardBackwardMs(model, rows),
                  0,
                  optimizerSecondsPerParameter * model.parameterCount() * 1e3,
                  0),
              TensorStepModel.SHARED_MEMORY);
      double held = TensorStepModel.parametersPerRank(model, t);
      double average =
          link(workers, net).allReduceSeconds("ring", replicas, Float.BYTES * held) * 1e3;
      out.add(
          new PipelinePlanner.Option(
              replicas,
              t,
              1,
              rows,
              tensorMemory(t, rows).total(),
              step.predict(t).step() + average,
              0,
              average,
              "tensor"));
    }
    return out;
  }

  /**
   * A tensor rank's memory: its parameters with Adam's state, and the activations of a {@code
   * rows}-sequence step: the layers' attention and MLP intermediates split over t, the residual
   * stream, the norms and the causal mask whole ({@link GptActivations}' terms).
   */
  WorkerMemory tensorMemory(int t, int rows) {
    long held = (long) Math.ceil(TensorStepModel.parametersPerRank(model, t));
    GptActivations a = new GptActivations(model);
    long[] blocks = a.blockActivationBytes(rows);
    long n = (long) rows * model.context();
    long whole = 4L * 4 * n * model.width() + 4L * model.context() * model.context() + 4;
    long activations = a.lossActivationBytes(rows);
    for (int i = 0; i < blocks.length; i++) {
      boolean layer = i >= 1 && i <= model.layers();
      activations += layer ? whole + (blocks[i] - whole) / t : blocks[i];
    }
    return new WorkerMemory(4 * held, 4 * held, 8 * held, activations, 0);
  }

  /**
   * The model with {@code moe} in every layer: every expert group size g that divides the workers
   * and the experts (g = 1: data parallelism), each worker with its own batch of the global one.
   *
   * @param workRatio the MoE model's forward and backward over the dense model's, on one worker
   */
  public List<PipelinePlanner.Option> expertOptions(
      int workers, MoeSettings moe, double workRatio, NetworkModel net) {
    List<PipelinePlanner.Option> out = new ArrayList<>();
    if (globalBatch % workers != 0) {
      return out;
    }
    int rows = globalBatch / workers;
    MoeStepModel sizes = MoeStepModel.sizes(model, moe, rows);
    for (int g = 1; g <= workers; g++) {
      if (workers % g != 0 || moe.experts() % g != 0) {
        continue;
      }
      MoeStepModel step =
          new MoeStepModel(
              model,
              moe,
              rows,
              new TensorStepModel.Phases(
                  compute.forwardBackwardMs(model, rows) * workRatio,
                  0,
                  optimizerSecondsPerParameter * sizes.totalParameters() * 1e3,
                  0),
              link(g, net),
              link(workers, net));
      TensorStepModel.Phases p = step.predict(workers, g, 1);
      long held = sizes.parametersPerWorker(g);
      long activations = (long) (denseActivations(rows) * workRatio);
      out.add(
          new PipelinePlanner.Option(
              workers / g,
              g,
              1,
              rows,
              ADAM_BYTES_PER_PARAMETER * held + activations,
              p.step(),
              0,
              p.communication(),
              "experts"));
    }
    return out;
  }

  private long denseActivations(int rows) {
    GptActivations a = new GptActivations(model);
    long sum = a.lossActivationBytes(rows);
    for (long b : a.blockActivationBytes(rows)) {
      sum += b;
    }
    return sum;
  }
}
