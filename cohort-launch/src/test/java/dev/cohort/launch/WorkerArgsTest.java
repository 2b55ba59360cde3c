package dev.cohort.launch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The picocli round trip (args back to an equal TrainConfig) is in cohort-cli's
 * WorkerArgsRoundTripTest.
 */
class WorkerArgsTest {

  @Test
  void everyBucketSizeShouldSurviveTheTripThroughMegabytes() {
    for (long bytes = 1024; bytes < 3_000_000; bytes++) {
      assertThat(WorkerArgs.bucketBytes(Double.parseDouble(WorkerArgs.megabytes(bytes))))
          .as("%d bytes as %s MB", bytes, WorkerArgs.megabytes(bytes))
          .isEqualTo(bytes);
    }
    Random random = new Random(1);
    for (int i = 0; i < 1_000_000; i++) {
      long bytes = 1024 + (long) (random.nextDouble() * 1e11);
      assertThat(WorkerArgs.bucketBytes(Double.parseDouble(WorkerArgs.megabytes(bytes))))
          .isEqualTo(bytes);
    }
  }

  @Test
  void wholeAndDecimalMegabytesShouldBeWrittenPlainly() {
    assertThat(WorkerArgs.megabytes(25_000_000)).isEqualTo("25");
    assertThat(WorkerArgs.megabytes(450_000)).isEqualTo("0.45");
    assertThat(WorkerArgs.megabytes(1_048_576)).isEqualTo("1.048576");
  }

  @Test
  void flagsShouldAppearOnlyWhenTheyDifferFromTheDefault() {
    List<String> plain = WorkerArgs.of(TrainConfig.defaults()).toList();
    assertThat(plain)
        .startsWith("worker", "--model", "cnn")
        .doesNotContain(
            "--scale-lr",
            "--no-overlap",
            "--no-progress",
            "--resume",
            "--run-dir",
            "--dump-params");
    List<String> flagged =
        WorkerArgs.of(TrainConfig.builder().scaleLearningRate(true).overlap(false).build())
            .withoutProgress()
            .withResume(Path.of("runs/a"))
            .withRunDir(Path.of("runs/b"))
            .withDumpParameters(Path.of("p"))
            .toList();
    assertThat(flagged)
        .contains("--scale-lr", "--no-overlap", "--no-progress")
        .containsSubsequence("--resume", "runs/a")
        .containsSubsequence("--run-dir", "runs/b")
        .containsSubsequence("--dump-params", "p");
  }

  @Test
  void theCommandShouldRunCohortWorker() {
    JavaCommand cmd = WorkerArgs.of(TrainConfig.defaults()).command();
    assertThat(cmd.mainClass()).isEqualTo(JavaCommand.COHORT_MAIN);
    assertThat(cmd.args()).first().isEqualTo("worker");
  }

  @Test
  void theWorkerJvmShouldGetTheVectorApiForTheOptimizerKernels() {
    JavaCommand cmd = WorkerArgs.of(TrainConfig.defaults()).command().withThreads(2);
    assertThat(cmd.toList())
        .containsSubsequence(
            "--add-modules", "jdk.incubator.vector", "-cp", JavaCommand.COHORT_MAIN);
  }
}
