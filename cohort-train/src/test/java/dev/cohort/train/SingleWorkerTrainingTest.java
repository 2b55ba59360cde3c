package dev.cohort.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.World;
import dev.cohort.train.metrics.RunSummary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One worker (a world of one) trains the MLP on a slice of Fashion-MNIST and writes its run folder.
 */
@Timeout(300)
class SingleWorkerTrainingTest {

  @Test
  void aWorldOfOneShouldLearnAndWriteTheRunFolder(@TempDir Path dir) throws Exception {
    TrainConfig cfg =
        TrainConfig.builder()
            .model("mlp")
            .seed(7)
            .bucketBytes(1 << 20)
            .checkEvery(10)
            .trainLimit(6400)
            .testLimit(2000)
            .runDir(dir.resolve("run"))
            .build();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    RunSummary summary =
        TrainWorker.run(
            CommConfig.defaults(Secrets.generate()),
            new World("127.0.0.1", 0, 0, 1, 0, true, 0, "test"),
            TrainWorker.Job.of(cfg),
            new PrintStream(console, true));
    assertThat(summary.finalTestAccuracy()).isGreaterThan(0.6);
    assertThat(Files.readAllLines(dir.resolve("run/metrics.csv"))).hasSize(1 + 100);
    assertThat(dir.resolve("run/summary.json")).exists();
    assertThat(dir.resolve("run/config.json")).exists();
    assertThat(dir.resolve("run/model/mlp-0000.params")).as("the final model, DJL format").exists();
    assertThat(console.toString()).contains("Run summary").contains("test accuracy");
  }
}
