package dev.cohort.lab.model;

import dev.cohort.train.Pipelining;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.pipeline.PipelineMemory;
import dev.cohort.train.pipeline.StagePartition;
import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.ScheduleSimulator;
import dev.cohort.train.pipeline.schedule.Schedules;
import java.util.ArrayList;
import java.util.List;

/**
 * Data parallelism against pipelines for the language model on a number of workers: for every
 * pipeline length p that divides them ({@code p = 1} is plain data parallelism), the memory of the
 * fullest worker ({@link PipelineMemory}), and the step ({@link PipelineStepModel} on 1F1B: the
 * stages' forwards and backwards from {@link GptCompute}, each activation and gradient crossing the
 * network, then the all-reduce of each stage's gradients among the pipelines, not overlapped).
 *
 * @param name the model's name ({@code gpt-12x256})
 * @param model its sizes
 * @param globalBatch sequences per step, over all workers
 * @param microBatches micro-batches per pipeline per step (a pipeline's; data parallelism runs 1)
 * @param optimizerSecondsPerParameter the optimizer's update time per parameter
 * @param compute how fast a worker computes
 */
public record PipelinePlanner(
    String name,
    GptConfig model,
    int globalBatch,
    int microBatches,
    double optimizerSecondsPerParameter,
    GptCompute compute) {

  /**
   * One way to spread the model over the workers.
   *
   * @param pipelines data-parallel replicas
   * @param stages ranks per pipeline (1: data parallelism)
   * @param microBatches per pipeline per step
   * @param rows sequences per micro-batch
   * @param memoryBytes the fullest worker's parameters, gradients, optimizer state, activations and
   *     buffers
   * @param stepMs the predicted step
   * @param bubble the share of the step a rank is idle in the schedule
   * @param allReduceMs the gradients' all-reduce among the pipelines (or replicas)
   * @param split how each layer is split ({@code "tensor"} or {@code "experts"} over {@code stages}
   *     workers), empty for whole layers
   */
  public record Option(
      int pipelines,
      int stages,
      int microBatches,
      int rows,
      long memoryBytes,
      double stepMs,
      double bubble,
      double allReduceMs,
      String split) {

    /** A data-parallel or pipelined option, its layers whole. */
    public Option(
        int pipelines,
        int stages,
        int microBatches,
        int rows,
        long memoryBytes,
        double stepMs,
        double bubble,
        double allReduceMs) {
      this(pipelines, stages, microBatches, rows, memoryBytes, stepMs, bubble, allReduceMs, "");
    }

    public String strategy() {
      if (split.equals("tensor")) {
        return pipelines + " x tensor group of " + stages;
      }
      if (split.equals("experts")) {
        return stages == 1
            ? "data parallel x" + pipelines + " (MoE)"
            : pipelines + " x expert group of " + stages;
      }
      return stages == 1 ? "data parallel x" + pipelines : pipelines + " x pipeline of " + stages;
    }
  }

  /** Every strategy for {@code workers}; those whose batch does not split are left out. */
  public List<Option> options(int workers, NetworkModel net) {
    List<Option> out = new ArrayList<>();
    int blocks = model.blockParameters().length;
    for (int p = 1; p <= Math.min(workers, blocks); p++) {
      if (workers % p != 0) {
        continue;
      }
      int pipelines = workers / p;
      if (globalBatch % pipelines != 0) {
        continue;
      }
      int perPipeline = globalBatch / pipelines;
      int m = p == 1 ? 1 : microBatches;
      if (perPipeline % m != 0) {
        continue;
      }
      out.add(option(pipelines, p, m, perPipeline / m, net));
    }
    return out;
  }

  private Option option(int pipelines, int p, int m, int rows, NetworkModel net) {
    PipelineMemory memory =
        new PipelineMemory(name, model, new Pipelining(p, "1f1b", m, 1), rows, "adam", 0);
    Schedule schedule = Schedules.oneForwardOneBackward(p, m);
    long[] weights = model.blockParameters();
    StagePartition cut = StagePartition.balanced(weights, p);
    double[] shares = new double[p];
    long largestStage = 0;
    for (int s = 0; s < p; s++) {
      long params = 0;
      for (int i = cut.start(s); i < cut.end(s); i++) {
        params += weights[i];
      }
      shares[s] = params / (double) model.parameterCount();
      largestStage = Math.max(largestStage, params);
    }
    double hidden = 4.0 * rows * model.context() * model.width();
    PipelineStepModel step =
        new PipelineStepModel(
            compute.forwardBackwardMs(model, rows),
            optimizerSecondsPerParameter * model.parameterCount() * 1e3,
            (net.alphaSeconds() + hidden * net.betaSecondsPerByte()) * 1e3,
            compute.fixedMs());
    double allReduce = net.allReduceSeconds("ring", pipelines, 4.0 * largestStage) * 1e3;
    return new Option(
        pipelines,
        p,
        m,
        rows,
        memory.fullest().total(),
        step.stepMillis(schedule, shares) + allReduce,
        p == 1 ? 0 : ScheduleSimulator.check(schedule).bubble(),
        allReduce);
  }

  /** The fastest option within {@code budgetBytes} per worker (0: no budget); null if none fits. */
  public static Option fastestFitting(List<Option> options, long budgetBytes) {
    Option best = null;
    for (Option o : options) {
      if ((budgetBytes == 0 || o.memoryBytes() <= budgetBytes)
          && (best == null || o.stepMs() < best.stepMs())) {
        best = o;
      }
    }
    return best;
  }
}
