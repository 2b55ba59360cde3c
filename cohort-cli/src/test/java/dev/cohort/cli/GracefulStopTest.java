package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.checkpoint.CheckpointFolders;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.train.TrainConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the workers, or to the launcher: they agree on a last step, write a final checkpoint
 * (every stage's, for a pipeline), exit 0.
 */
@Timeout(180)
class GracefulStopTest {

  @Test
  void sigtermShouldStopEveryWorkerAfterTheSameStepWithAFinalCheckpoint(@TempDir Path dir)
      throws Exception {
    WorkerArgs worker =
        WorkerArgs.of(
            TrainConfig.builder()
                .model("mlp")
                .batch(32)
                .epochs(1000)
                .trainLimit(4096)
                .testLimit(200)
                .checkpointEvery(100000)
                .progress(false)
                .runDir(dir)
                .build());
    long step = stopMidRun(worker, dir);
    assertThat(new CheckpointStore(dir.resolve("checkpoints"), 3).path(step)).isDirectory();
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }

  @Test
  void sigtermShouldStopAPipelineAfterTheSameStepWithEveryStagesCheckpoint(@TempDir Path dir)
      throws Exception {
    WorkerArgs worker =
        WorkerArgs.of(
            TrainConfig.builder()
                .model("gpt-tiny")
                .pipeline(2)
                .microBatches(2)
                .batch(4)
                .epochs(1000)
                .testLimit(32)
                .checkpointEvery(100000)
                .progress(false)
                .runDir(dir)
                .build());
    long step = stopMidRun(worker, dir);
    for (int stage = 0; stage < 2; stage++) {
      Path stageDir = CheckpointFolders.stage(CheckpointFolders.of(dir), stage);
      assertThat(new CheckpointStore(stageDir, 3).path(step)).isDirectory();
    }
    assertThat(Files.readString(dir.resolve("rank-1.log")))
        .contains("rank 1: stopped on request after step " + step);
  }

  @Test
  void sigtermToTheLauncherShouldShowRank0sSummaryAndExit0(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    Process launcher = LauncherJvm.train(run, "--epochs", "1000", "--checkpoint-every", "100000");
    List<ProcessHandle> workers = List.of();
    try {
      LauncherJvm.awaitSteps(launcher, run, 20);
      workers = launcher.toHandle().children().toList();
      launcher.destroy(); // SIGTERM
      assertThat(launcher.waitFor(90, TimeUnit.SECONDS)).as("the launcher ended").isTrue();
      String console = Files.readString(LauncherJvm.output(run));
      assertThat(launcher.exitValue()).as(console).isZero();
      assertThat(console)
          .contains("stopped on request after step")
          .contains("Run summary")
          .contains("cohort train: stopped on request; every worker stopped gracefully")
          .contains("--resume " + run)
          .doesNotContain("lost rank 0's output");
      assertThat(Files.readString(run.resolve("rank-0.log")))
          .contains("stopped on request after step")
          .contains("Run summary");
      long step =
          new ObjectMapper()
              .readTree(run.resolve("summary.json").toFile())
              .get("stopped_on_request_after_step")
              .asLong();
      assertThat(new CheckpointStore(run.resolve("checkpoints"), 3).path(step)).isDirectory();
    } finally {
      launcher.destroyForcibly();
    }
    assertThat(launcher.toHandle().descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
  }

  /**
   * Runs {@code worker} on 2 processes, SIGTERMs them once training is under way, and checks that
   * they stopped gracefully.
   *
   * @return the step after which they stopped, as summary.json says
   */
  private static long stopMidRun(WorkerArgs worker, Path dir) throws Exception {
    CompletableFuture<Outcome> run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new LocalLauncher(new PrintStream(System.out))
                    .run(2, worker.command().withThreads(1), dir);
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    RunningWorkers.awaitMetricsLines(dir, 20);
    ProcessHandle.current().descendants().forEach(ProcessHandle::destroy); // SIGTERM
    Outcome o = run.get(90, TimeUnit.SECONDS);
    assertThat(o.exitCode()).as(o.report()).isZero();
    String summary = Files.readString(dir.resolve("summary.json"));
    assertThat(summary).contains("stopped_on_request_after_step");
    return new ObjectMapper().readTree(summary).get("stopped_on_request_after_step").asLong();
  }
}
