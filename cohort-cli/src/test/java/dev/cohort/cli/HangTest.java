package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

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

/** A worker that freezes instead of dying (SIGSTOP) is found by its heartbeat and replaced. */
@Timeout(300)
class HangTest {

  @Test
  void aFrozenWorkerShouldBeDetectedByItsHeartbeatAndTheRunRestarted(@TempDir Path dir)
      throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(
            () -> {
              CommandLine cl = new CommandLine(new Main());
              cl.setErr(new PrintWriter(err, true));
              return cl.execute(
                  "train",
                  "--nproc",
                  "2",
                  "--model",
                  "mlp",
                  "--batch",
                  "32",
                  "--train-limit",
                  "4096",
                  "--test-limit",
                  "200",
                  "--max-steps",
                  "60",
                  "--checkpoint-every",
                  "10",
                  "--max-restarts",
                  "1",
                  "--hang-timeout",
                  "4",
                  "--no-progress",
                  "--threads",
                  "1",
                  "--run-dir",
                  dir.toString());
            });
    Path metrics = dir.resolve("metrics.csv");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() > 25)) {
      assertThat(System.nanoTime()).as("training under way").isLessThan(deadline);
      Thread.sleep(50);
    }
    ProcessHandle victim =
        ProcessHandle.current()
            .descendants()
            .filter(p -> p.info().command().orElse("").endsWith("java"))
            .reduce((a, b) -> b)
            .orElseThrow();
    // bash's own kill builtin: no dependency on procps.
    new ProcessBuilder("bash", "-c", "kill -STOP " + victim.pid()).start().waitFor();
    long stoppedAt = System.nanoTime();
    assertThat(run.get(240, TimeUnit.SECONDS)).isZero();
    assertThat(dir.resolve("checkpoints/ckpt-000000060")).isDirectory();
    assertThat(victim.isAlive()).as("the frozen worker was killed").isFalse();
    System.out.printf(
        "run finished %.1f s after the freeze%n", (System.nanoTime() - stoppedAt) / 1e9);
  }
}
