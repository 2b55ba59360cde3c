package dev.cohort.train.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.train.Pipelining;
import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.GptActivations;
import dev.cohort.train.model.gpt.GptConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The plan's memory follows the schedule: GPipe holds every micro-batch's activations, 1F1B at most
 * p - r on rank r; parameters, gradients and optimizer state follow the stage's parameters; a plan
 * over budget is refused with the nearby plans that fit. (That a run holds exactly what the plan
 * says is checked in {@link PipelineEquivalenceTest}.)
 */
class PipelineMemoryTest {
  private static final GptConfig GPT = Models.gptConfig("gpt");
  private static final int ROWS = 4;

  private static PipelineMemory plan(int stages, String schedule, int micro, int rows) {
    return new PipelineMemory(
        "gpt", GPT, new Pipelining(stages, schedule, micro, 1), rows, "adam", 0);
  }

  /** Activation bytes of one micro-batch on each of {@code stages} balanced stages. */
  private static long[] perMicroBatch(int stages) {
    StagePartition cut = StagePartition.balanced(GPT.blockParameters(), stages);
    long[] blocks = new GptActivations(GPT).blockActivationBytes(ROWS);
    long[] out = new long[stages];
    for (int s = 0; s < stages; s++) {
      for (int i = cut.start(s); i < cut.end(s); i++) {
        out[s] += blocks[i];
      }
    }
    out[stages - 1] += new GptActivations(GPT).lossActivationBytes(ROWS);
    return out;
  }

  @Test
  void gpipeShouldHoldEveryMicroBatchAndOneForwardOneBackwardAtMostPMinusR() {
    long[] one = perMicroBatch(3);
    List<WorkerMemory> gpipe = plan(3, "gpipe", 8, ROWS).perRank();
    List<WorkerMemory> oneF1b = plan(3, "1f1b", 8, ROWS).perRank();
    for (int r = 0; r < 3; r++) {
      assertThat(gpipe.get(r).activations()).isEqualTo(8 * one[r]);
      assertThat(oneF1b.get(r).activations()).isEqualTo((3 - r) * one[r]);
    }
  }

  @Test
  void modelStateShouldFollowTheStagesParametersAndTheOptimizer() {
    StagePartition cut = StagePartition.balanced(GPT.blockParameters(), 2);
    long first = 0;
    for (int i = cut.start(0); i < cut.end(0); i++) {
      first += 4 * GPT.blockParameters()[i];
    }
    WorkerMemory adam = plan(2, "1f1b", 4, ROWS).perRank().get(0);
    assertThat(adam.parameters()).isEqualTo(first);
    assertThat(adam.gradients()).isEqualTo(first);
    assertThat(adam.optimizer()).isEqualTo(2 * first);
    Pipelining p = new Pipelining(2, "1f1b", 4, 1);
    assertThat(new PipelineMemory("gpt", GPT, p, ROWS, "sgd", 0).perRank().get(0).optimizer())
        .isZero();
    assertThat(new PipelineMemory("gpt", GPT, p, ROWS, "sgd", 0.9f).perRank().get(0).optimizer())
        .isEqualTo(first);
    // Each receive and each gradient sent back is one hidden state, held to the end of the step.
    long hidden = 4L * ROWS * GPT.context() * GPT.width();
    assertThat(plan(2, "1f1b", 4, ROWS).perRank().get(0).buffers()).isEqualTo(4 * hidden);
    assertThat(plan(2, "1f1b", 4, ROWS).perRank().get(1).buffers()).isEqualTo(8 * hidden);
  }

  @Test
  void aPlanOverBudgetShouldBeRefusedWithThePlansThatFit() {
    PipelineMemory gpipe = plan(2, "gpipe", 8, ROWS);
    long need = gpipe.fullest().total();
    assertThat(gpipe.refusal(need)).isEmpty();
    long budget = plan(2, "1f1b", 8, ROWS).fullest().total();
    assertThat(gpipe.refusal(budget))
        .get()
        .asString()
        .startsWith("--memory-budget ")
        .contains(" is too small for gpt with --pipeline 2 --schedule gpipe --micro-batches 8")
        .contains("rank 1 of each pipeline needs")
        .contains("Plans that fit: --pipeline 2 --schedule 1f1b --micro-batches 8 --batch 4");
    // 1F1B holds p micro-batches: halving each (twice as many) halves what it holds.
    PipelineMemory oneF1b = plan(2, "1f1b", 8, ROWS);
    assertThat(oneF1b.refusal(oneF1b.fullest().total() * 3 / 4))
        .get()
        .asString()
        .contains("--pipeline 2 --schedule 1f1b --micro-batches 16 --batch 2");
    assertThat(oneF1b.refusal(1 << 20))
        .get()
        .asString()
        .contains("No plan with 1F1B, more micro-batches or more stages fits either");
  }

  @Test
  void moreStagesShouldBeOfferedWhenTheParametersAreWhatDoesNotFit() {
    GptConfig wide = Models.gptConfig("gpt-8x512");
    Pipelining two = new Pipelining(2, "1f1b", 4, 1);
    PipelineMemory plan = new PipelineMemory("gpt-8x512", wide, two, 1, "adam", 0);
    PipelineMemory four =
        new PipelineMemory("gpt-8x512", wide, new Pipelining(4, "1f1b", 4, 1), 1, "adam", 0);
    assertThat(plan.refusal(four.fullest().total()))
        .get()
        .asString()
        .contains("--pipeline 4 --schedule 1f1b --micro-batches 4 --batch 1 (")
        .contains("--nproc a multiple of it");
  }
}
