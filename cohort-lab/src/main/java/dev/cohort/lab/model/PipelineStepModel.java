package dev.cohort.lab.model;

import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.ScheduleSimulator;

/**
 * The step time of a pipeline, predicted by running its schedule in {@link ScheduleSimulator} with
 * costs measured on one rank: the whole model's forward and backward for one micro-batch of the
 * same size, of which a fixed part is paid by every stage's forward and backward whatever its share
 * (launching a micro-batch through a stage: its scope, the graph's leaf, the backward from an
 * upstream gradient) and the rest is shared among the stages as their parameters are (a backward
 * costs twice a forward); the optimizer's step shared the same way; and a fixed time per transfer
 * between ranks.
 *
 * @param forwardBackwardMs the whole model's forward and backward of one micro-batch, on one rank
 * @param optimizerMs the whole model's optimizer step, on one rank
 * @param transferMs from a send's post to the end of its receive, between two ranks
 * @param fixedMs of {@code forwardBackwardMs}, what a forward and a backward of one micro-batch
 *     cost whatever their size ({@link #fixedCost})
 */
public record PipelineStepModel(
    double forwardBackwardMs, double optimizerMs, double transferMs, double fixedMs) {

  /** Without a fixed cost per micro-batch. */
  public PipelineStepModel(double forwardBackwardMs, double optimizerMs, double transferMs) {
    this(forwardBackwardMs, optimizerMs, transferMs, 0);
  }

  /**
   * The fixed cost of one micro-batch's forward and backward, from one rank's runs of the same
   * global batch in different numbers of micro-batches: the least-squares slope of the step's
   * forward and backward time against the number of micro-batches (the work itself is the same
   * batch each time), 0 if it comes out negative.
   *
   * @param microBatches each run's number of micro-batches
   * @param forwardBackwardMs each run's forward and backward time per step
   * @throws IllegalArgumentException with fewer than two distinct numbers of micro-batches
   */
  public static double fixedCost(double[] microBatches, double[] forwardBackwardMs) {
    int n = microBatches.length;
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += microBatches[i] / n;
      my += forwardBackwardMs[i] / n;
    }
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < n; i++) {
      sxy += (microBatches[i] - mx) * (forwardBackwardMs[i] - my);
      sxx += (microBatches[i] - mx) * (microBatches[i] - mx);
    }
    if (n != forwardBackwardMs.length || sxx == 0) {
      throw new IllegalArgumentException(
          "the fixed cost needs runs at two or more numbers of micro-batches");
    }
    return Math.max(0, sxy / sxx);
  }

  /**
   * The predicted step, in milliseconds.
   *
   * @param stageShares each stage's share of the model's cost (summing to 1), by stage
   * @throws IllegalArgumentException if the shares are not one per stage of the schedule
   */
  public double stepMillis(Schedule schedule, double[] stageShares) {
    int stages = schedule.layout().stages();
    if (stageShares.length != stages) {
      throw new IllegalArgumentException(
          "a schedule of " + stages + " stages needs as many shares, got " + stageShares.length);
    }
    double[] f = new double[stages];
    double[] b = new double[stages];
    double[] step = new double[stages];
    double work = Math.max(0, forwardBackwardMs - fixedMs);
    for (int s = 0; s < stages; s++) {
      f[s] = work * stageShares[s] / 3 + fixedMs / 2;
      b[s] = work * stageShares[s] * 2 / 3 + fixedMs / 2;
      step[s] = optimizerMs * stageShares[s];
    }
    return ScheduleSimulator.run(schedule, new ScheduleSimulator.Costs(f, b, transferMs, step))
        .makespan();
  }
}
