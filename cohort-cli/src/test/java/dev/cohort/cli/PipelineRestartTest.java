package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.StepRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A pipeline's checkpoints, one per stage, resume bitwise: the language model (with dropout) on 2
 * stages, killed in the middle and restarted by the launcher, or resumed from a run folder whose
 * newest step lacks a stage and whose next has a corrupted one, ends with every stage's parameters
 * and Adam state equal bit for bit to a run that was never interrupted.
 */
@Timeout(300)
class PipelineRestartTest {
  private static final int STEPS = 40;
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static Path straight;

  @BeforeAll
  static void trainStraight() {
    straight = dir.resolve("straight");
    assertThat(train(straight, 0)).isZero();
  }

  @Test
  void aKilledStageShouldBeRestartedFromTheLastCompleteCheckpoint() throws Exception {
    Path killed = dir.resolve("killed");
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> train(killed, 1));
    RunningWorkers.awaitMetricsLines(killed, 15);
    RunningWorkers.killOneWorker();
    Path metrics = killed.resolve("metrics.csv");
    assertThat(run.get(240, TimeUnit.SECONDS)).isZero();
    assertSameFinalState(killed);
    JsonNode segments = JSON.readTree(killed.resolve("summary.json").toFile()).get("segments");
    assertThat(segments).hasSize(2);
    assertThat(segments.at("/1/reason").asText()).isEqualTo("restart");
    long resumedAt = segments.at("/1/start_step").asLong();
    assertThat(resumedAt).isIn(10L, 20L, 30L);
    assertThat(MetricsCsv.read(metrics).stream().map(StepRecord::step))
        .containsExactlyElementsOf(IntStream.range(0, STEPS).boxed().toList());
    assertThat(Files.readString(killed.resolve("rank-0.log")))
        .contains("resumed from step " + resumedAt + " (checkpoint ")
        .contains("stage-*/ckpt-0000000" + resumedAt);
  }

  @Test
  void aResumeShouldSkipStepsThatLackAStageOrFailTheirChecksum() throws Exception {
    Path partial = dir.resolve("partial");
    copy(straight, partial);
    Path checkpoints = partial.resolve("checkpoints");
    // Stage 1 never wrote step 40 (killed between the stages' writes); stage 0's step 30 rotted.
    delete(checkpoints.resolve("stage-1/ckpt-000000040"));
    Files.writeString(checkpoints.resolve("stage-0/ckpt-000000030/state.bin"), "rotten");
    assertThat(
            run(
                "--resume",
                partial.toString(),
                "--max-steps",
                "" + STEPS,
                "--checkpoint-every",
                "10",
                "--keep-checkpoints",
                "4"))
        .isZero();
    assertSameFinalState(partial);
    assertThat(Files.readString(partial.resolve("rank-0.log")))
        .contains("checkpoint " + checkpoints.resolve("stage-0/ckpt-000000030") + " is unusable")
        .contains("resumed from step 20");
  }

  @Test
  void resumingAFinishedRunShouldSaySoInsteadOfTrainingOrFailing() throws Exception {
    Path done = dir.resolve("done");
    copy(straight, done);
    assertThat(run("--resume", done.toString(), "--max-steps", "" + STEPS)).isZero();
    assertThat(Files.readString(done.resolve("rank-0.log")))
        .contains("resumed from step " + STEPS)
        .containsPattern("nothing left to train after step " + STEPS + ": validation loss");
    assertSameFinalState(done);
  }

  private static void assertSameFinalState(Path run) throws IOException {
    for (int stage = 0; stage < 2; stage++) {
      String manifest = "checkpoints/stage-" + stage + "/ckpt-0000000" + STEPS + "/manifest.json";
      assertThat(JSON.readTree(run.resolve(manifest).toFile()).get("state_sha256").asText())
          .as("stage %d's parameters and optimizer state, bit for bit", stage)
          .isEqualTo(
              JSON.readTree(straight.resolve(manifest).toFile()).get("state_sha256").asText());
    }
  }

  private static int train(Path runDir, int maxRestarts) {
    return run(
        "--max-steps",
        "" + STEPS,
        "--checkpoint-every",
        "10",
        "--keep-checkpoints",
        "4",
        "--max-restarts",
        "" + maxRestarts,
        "--run-dir",
        runDir.toString());
  }

  private static int run(String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--nproc",
                "2",
                "--model",
                "gpt-tiny",
                "--pipeline",
                "2",
                "--micro-batches",
                "4",
                "--batch",
                "4",
                "--optimizer",
                "adam",
                "--lr",
                "0.003",
                "--test-limit",
                "64",
                "--seed",
                "3",
                "--threads",
                "1",
                "--no-progress"));
    args.addAll(List.of(more));
    return new CommandLine(new Main()).execute(args.toArray(String[]::new));
  }

  private static void copy(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
  }

  private static void delete(Path tree) throws IOException {
    try (var walk = Files.walk(tree)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
