package dev.cohort.lab.model;

import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.ScheduleSimulator;

/**
 * The step time of a pipeline, predicted by running its schedule in {@link ScheduleSimulator} with
 * costs measured on one rank: the whole model's forward and backward for one micro-batch of the
 * same size, shared among the stages as their parameters are (a backward costs twice a forward),
 * the optimizer's step shared the same way, and a fixed time per transfer between ranks.
 *
 * @param forwardBackwardMs the whole model's forward and backward of one micro-batch, on one rank
 * @param optimizerMs the whole model's optimizer step, on one rank
 * @param transferMs from a send's post to the end of its receive, between two ranks
 */
public record PipelineStepModel(double forwardBackwardMs, double optimizerMs, double transferMs) {

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
    for (int s = 0; s < stages; s++) {
      f[s] = forwardBackwardMs * stageShares[s] / 3;
      b[s] = forwardBackwardMs * stageShares[s] * 2 / 3;
      step[s] = optimizerMs * stageShares[s];
    }
    return ScheduleSimulator.run(schedule, new ScheduleSimulator.Costs(f, b, transferMs, step))
        .makespan();
  }
}
