package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    int stepsBeforeFreeze = Files.readAllLines(metrics).size() - 1; // less the header
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
    // The report names the world's step, not the frozen rank's last heartbeat, and quotes the
    // frozen rank's log, which has at least its start line.
    Matcher hung =
        Pattern.compile("worker rank (\\d) hung: no progress for 4 s after step (\\d+)")
            .matcher(err.toString());
    assertThat(hung.find()).as(err.toString()).isTrue();
    assertThat(Long.parseLong(hung.group(2))).isGreaterThanOrEqualTo(stepsBeforeFreeze);
    int frozen = Integer.parseInt(hung.group(1));
    assertThat(err.toString())
        .contains("Last lines of " + dir.resolve("rank-" + frozen + ".log") + ":\n  | ")
        .doesNotContain("wrote nothing");
    assertThat(Files.readString(dir.resolve("rank-1.log")))
        .contains("rank 1 of 2 (pid ")
        .containsPattern("rank 1: epoch 1 ended after step \\d+: train loss")
        .contains("rank 1: finished after step 60");
    System.out.printf(
        "run finished %.1f s after the freeze%n", (System.nanoTime() - stoppedAt) / 1e9);
  }
}
