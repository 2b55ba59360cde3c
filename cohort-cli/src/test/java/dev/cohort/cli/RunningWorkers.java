package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What tests do to a run under way in this JVM's child processes: wait for it, kill a worker. */
final class RunningWorkers {
  private RunningWorkers() {}

  /** Waits (at most 90 s) until the run folder's metrics.csv has more than {@code lines} lines. */
  static void awaitMetricsLines(Path run, int lines) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    Path metrics = run.resolve("metrics.csv");
    while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() > lines)) {
      assertThat(System.nanoTime()).as("training under way").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** SIGKILLs one worker JVM among this JVM's descendants. */
  static void killOneWorker() {
    ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().command().orElse("").endsWith("java"))
        .findFirst()
        .orElseThrow()
        .destroyForcibly();
  }
}
