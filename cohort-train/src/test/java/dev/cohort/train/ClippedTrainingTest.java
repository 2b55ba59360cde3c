package dev.cohort.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.World;
import dev.cohort.train.metrics.RunSummary;
import java.io.OutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --clip-grad-norm} reaches the data-parallel optimizer: with a bound of 1e-7 the MLP's SGD
 * steps are too short to learn, without it the same run learns.
 */
@Timeout(300)
class ClippedTrainingTest {

  private static RunSummary train(float clip) throws Exception {
    TrainConfig cfg =
        TrainConfig.builder()
            .model("mlp")
            .optimizer("sgd")
            .learningRate(0.1f)
            .seed(3)
            .batch(64)
            .trainLimit(64 * 60)
            .testLimit(500)
            .progress(false)
            .clipGradNorm(clip)
            .build();
    return TrainWorker.run(
        CommConfig.defaults(Secrets.generate()),
        new World("127.0.0.1", 0, 0, 1, 0, true, 0, "test"),
        TrainWorker.Job.of(cfg),
        new PrintStream(OutputStream.nullOutputStream()));
  }

  @Test
  void aTinyBoundShouldStopLearningAndNoBoundShouldNot() throws Exception {
    RunSummary clipped = train(1e-7f);
    RunSummary free = train(0);
    assertThat(clipped.finalTrainLoss()).isGreaterThan(2.2); // ln 10: guessing
    assertThat(free.finalTrainLoss()).isLessThan(1.8);
    assertThat(clipped.config().clipGradNorm()).isEqualTo(1e-7f);
  }
}
