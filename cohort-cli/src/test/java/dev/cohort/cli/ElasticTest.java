package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.TrainingState;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * --nproc MIN:MAX: a lost worker does not come back; the run goes on with fewer, or stops cleanly.
 */
@Timeout(300)
class ElasticTest {

  @Test
  void aRunShouldContinueWithOneWorkerFewerAndTheSameGlobalBatch(@TempDir Path dir)
      throws Exception {
    Path straight = dir.resolve("straight");
    Path shrunk = dir.resolve("shrunk");
    assertThat(train(straight, "2", new ByteArrayOutputStream())).isZero();
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(() -> train(shrunk, "1:2", new ByteArrayOutputStream()));
    killOneWorkerOnceTrainingIsUnderWay(shrunk);
    assertThat(run.get(240, TimeUnit.SECONDS)).isZero();
    // One worker with batch 64 continues the trajectory of two with 32: same data, same steps.
    float[] a = parameters(straight);
    float[] b = parameters(shrunk);
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < a.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(a[i]));
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    }
    assertThat(maxDiff / maxAbs).isLessThan(1e-5);
    assertThat(Files.readString(shrunk.resolve("summary.json"))).contains("\"workers\" : 1");
  }

  @Test
  void aRunThatWouldFallBelowTheMinimumShouldStopWithItsCheckpointsIntact(@TempDir Path dir)
      throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> train(dir, "2:2", err));
    killOneWorkerOnceTrainingIsUnderWay(dir);
    assertThat(run.get(240, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(err.toString())
        .contains("fewer than the minimum 2")
        .contains("Checkpoints are intact");
    assertThat(new CheckpointStore(dir.resolve("checkpoints"), 3).loadNewest(w -> {})).isPresent();
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }

  private static void killOneWorkerOnceTrainingIsUnderWay(Path dir) throws Exception {
    RunningWorkers.awaitMetricsLines(dir, 25);
    RunningWorkers.killOneWorker();
  }

  private static float[] parameters(Path run) throws Exception {
    TrainingState s =
        new CheckpointStore(run.resolve("checkpoints"), 3)
            .load(run.resolve("checkpoints/ckpt-000000060"));
    int n = 0;
    for (String k : s.arrays().keySet()) {
      if (k.startsWith("parameter/")) {
        n += s.arrays().get(k).length;
      }
    }
    float[] all = new float[n];
    int at = 0;
    for (String k : s.arrays().keySet()) {
      if (k.startsWith("parameter/")) {
        float[] a = s.arrays().get(k);
        System.arraycopy(a, 0, all, at, a.length);
        at += a.length;
      }
    }
    return all;
  }

  private static int train(Path dir, String nproc, ByteArrayOutputStream err) {
    CommandLine cl = new CommandLine(new Main());
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(
        "train",
        "--nproc",
        nproc,
        "--model",
        "mlp",
        "--optimizer",
        "sgd",
        "--lr",
        "0.1",
        "--batch",
        "32",
        "--seed",
        "5",
        "--train-limit",
        "4096",
        "--test-limit",
        "500",
        "--max-steps",
        "60",
        "--checkpoint-every",
        "10",
        "--max-restarts",
        "1",
        "--no-progress",
        "--threads",
        "1",
        "--run-dir",
        dir.toString());
  }
}
