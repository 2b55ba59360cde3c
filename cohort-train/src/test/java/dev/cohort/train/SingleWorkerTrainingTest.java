package dev.cohort.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig;
import dev.cohort.train.data.DistributedSampler;
import dev.cohort.train.data.FashionMnist;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One worker (a world of one) trains the MLP on a slice of Fashion-MNIST and writes its run folder. */
@Timeout(300)
class SingleWorkerTrainingTest {

  @Test
  void aWorldOfOneShouldLearnAndWriteTheRunFolder(@TempDir Path dir) throws Exception {
    TrainConfig cfg = new TrainConfig("mlp", 1, 64, 1, "adam", 0.001f, 0f, false, 0, 7, 1 << 20,
        true, 10, DistributedSampler.Remainder.DROP, FashionMnist.DEFAULT_DIR, 6400, 2000, 0,
        dir.resolve("run"), true, null);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    Map<String, Object> summary = TrainWorker.run(CommConfig.defaults("t"),
        new TrainWorker.World("127.0.0.1", 0, 0, 1, 0, true, 0, "test"), cfg,
        new PrintStream(console, true), null);
    assertThat((Double) summary.get("final_test_accuracy")).isGreaterThan(0.6);
    assertThat(Files.readAllLines(dir.resolve("run/metrics.csv"))).hasSize(1 + 100);
    assertThat(dir.resolve("run/summary.json")).exists();
    assertThat(dir.resolve("run/config.json")).exists();
    assertThat(console.toString()).contains("Run summary").contains("test accuracy");
  }
}
