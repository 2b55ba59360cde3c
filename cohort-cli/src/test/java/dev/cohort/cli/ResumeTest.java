package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.StepRecord;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped between checkpoints and resumed ends with exactly the state of a run that was never
 * stopped: the steps after the last checkpoint are redone, bit for bit. The model has BatchNorm, so
 * this holds only because its running statistics are checkpointed and restored too.
 */
@Timeout(300)
class ResumeTest {

  @Test
  void aResumedRunShouldEndBitwiseEqualToAnUninterruptedOne(@TempDir Path dir) throws Exception {
    Path straight = dir.resolve("straight");
    Path stopped = dir.resolve("stopped");
    run(straight, 30, null);
    // Stop at step 25: the newest checkpoint is from step 20, so 5 steps are lost and redone.
    run(stopped, 25, null);
    assertThat(
            Files.list(stopped.resolve("checkpoints"))
                .map(p -> p.getFileName().toString())
                .sorted()
                .toList())
        .containsExactly("ckpt-000000010", "ckpt-000000020");
    run(stopped, 30, stopped);
    for (int r = 0; r < 2; r++) {
      float[] a = ParamDumps.read(straight.resolve("params.rank" + r));
      float[] b = ParamDumps.read(stopped.resolve("params.rank" + r));
      assertThat(a.length).isEqualTo(b.length);
      for (int i = 0; i < a.length; i++) {
        if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
          throw new AssertionError(
              "rank " + r + " state element " + i + " differs: " + a[i] + " vs " + b[i]);
        }
      }
    }
    String summary = Files.readString(stopped.resolve("summary.json"));
    assertThat(summary).contains("\"resumed_from\"").contains("\"checkpoints\"");
    // The records describe the whole run: two segments, each step once, epochs by real number.
    JsonNode s = new ObjectMapper().readTree(summary);
    assertThat(s.get("steps").asInt()).isEqualTo(30);
    assertThat(s.get("segments").toString())
        .isEqualTo(
            "[{\"start_step\":0,\"end_step\":25,\"reason\":\"fresh\",\"wall_seconds\":"
                + s.at("/segments/0/wall_seconds")
                + "},{\"start_step\":20,\"end_step\":30,\"reason\":\"resume\",\"wall_seconds\":"
                + s.at("/segments/1/wall_seconds")
                + "}]");
    assertThat(s.get("epochs")).hasSize(1);
    assertThat(s.at("/epochs/0/epoch").asInt()).isEqualTo(1);
    assertThat(MetricsCsv.read(stopped.resolve("metrics.csv")).stream().map(StepRecord::step))
        .containsExactlyElementsOf(IntStream.range(0, 30).boxed().toList());
    assertThat(Files.readString(stopped.resolve("rank-0.log")))
        .contains(
            "resumed from step 20 (checkpoint "
                + stopped.resolve("checkpoints").resolve("ckpt-000000020")
                + ")");
  }

  @Test
  void resumingOnOtherDataShouldBeRefused(@TempDir Path dir) throws Exception {
    run(dir, 12, null);
    // Same model and optimizer, but 2048 training samples instead of 4096: another data set.
    WorkerArgs worker =
        WorkerArgs.of(
            TrainConfig.builder()
                .model("cnn-bn")
                .optimizer("adam")
                .batch(32)
                .seed(5)
                .trainLimit(2048)
                .testLimit(500)
                .maxSteps(20)
                .progress(false)
                .runDir(dir)
                .resumeFrom(dir)
                .build());
    Outcome o =
        new LocalLauncher(new PrintStream(System.out)).run(2, worker.command().withThreads(1), dir);
    assertThat(o.exitCode()).isNotZero();
    assertThat(o.report()).contains("data_fingerprint");
  }

  /** Trains {@code steps} steps in {@code dir}, from the newest checkpoint in {@code resume}. */
  private static void run(Path dir, int steps, Path resume) throws Exception {
    Files.createDirectories(dir);
    WorkerArgs worker =
        WorkerArgs.of(
                TrainConfig.builder()
                    .model("cnn-bn")
                    .optimizer("adam")
                    .batch(32)
                    .seed(5)
                    .trainLimit(4096)
                    .testLimit(500)
                    .maxSteps(steps)
                    .checkpointEvery(10)
                    .progress(false)
                    .runDir(dir)
                    .resumeFrom(resume)
                    .build())
            .withDumpParameters(dir.resolve("params"));
    Outcome o =
        new LocalLauncher(new PrintStream(System.out)).run(2, worker.command().withThreads(1), dir);
    assertThat(o.exitCode()).as(o.report()).isZero();
  }
}
