package dev.cohort.lab.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.cohort.train.pipeline.schedule.Schedules;
import org.junit.jupiter.api.Test;

class PipelineStepModelTest {

  @Test
  void equalStagesAndFreeTransfersShouldGiveTheTextbookStep() {
    // 3 ms of forward and backward per micro-batch on one rank, 2 equal stages, 4 micro-batches:
    // (m + p - 1) slots of half the work each.
    PipelineStepModel model = new PipelineStepModel(3, 0, 0);
    double step = model.stepMillis(Schedules.oneForwardOneBackward(2, 4), new double[] {0.5, 0.5});
    assertThat(step).isCloseTo((4 + 2 - 1) * 1.5, within(1e-9));
  }

  @Test
  void transfersAndTheOptimizerShouldLengthenTheStep() {
    PipelineStepModel free = new PipelineStepModel(3, 0, 0);
    PipelineStepModel costly = new PipelineStepModel(3, 1, 0.25);
    double[] shares = {0.5, 0.5};
    double a = free.stepMillis(Schedules.gpipe(2, 1), shares);
    double b = costly.stepMillis(Schedules.gpipe(2, 1), shares);
    // One micro-batch: the activation and the gradient cross once each, then rank 0 steps.
    assertThat(b - a).isCloseTo(2 * 0.25 + 0.5, within(1e-9));
    assertThatThrownBy(() -> free.stepMillis(Schedules.gpipe(2, 1), new double[] {1}))
        .hasMessage("a schedule of 2 stages needs as many shares, got 1");
  }

  @Test
  void aFixedCostShouldBePaidByEveryStageAndComeFromTheSlopeOverMicroBatches() {
    // One rank: 200 ms of work for the batch, plus 3 ms per micro-batch.
    double fixed =
        PipelineStepModel.fixedCost(new double[] {1, 2, 4, 8}, new double[] {203, 206, 212, 224});
    assertThat(fixed).isCloseTo(3, within(1e-9));
    // 2 equal stages, 8 micro-batches of 203/8... : each stage's forward and backward cost half
    // the work plus the whole fixed cost, (m + p - 1) slots of them.
    PipelineStepModel model = new PipelineStepModel(224.0 / 8, 0, 0, fixed);
    double step = model.stepMillis(Schedules.gpipe(2, 8), new double[] {0.5, 0.5});
    assertThat(step).isCloseTo(9 * ((224.0 / 8 - 3) / 2 + 3), within(1e-9));
    assertThatThrownBy(() -> PipelineStepModel.fixedCost(new double[] {4, 4}, new double[] {1, 2}))
        .hasMessage("the fixed cost needs runs at two or more numbers of micro-batches");
  }
}
