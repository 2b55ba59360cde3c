package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.LauncherWatch;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.launch.spawn.RankProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL to the launcher (the OOM killer, a scheduler) leaves it no chance to stop its workers:
 * they must notice on their own and exit, rather than train (or run) on with parent PID 1. Both
 * launchers: {@code cohort train} and {@code cohort run} of a program that joins with {@code
 * Cohort.init()}.
 */
@Timeout(180)
class LauncherKillTest {

  @Test
  void workersShouldExitWithinSecondsOfTheirLauncherBeingKilled(@TempDir Path dir)
      throws Exception {
    Path run = dir.resolve("run");
    Process launcher = LauncherJvm.train(run, "--epochs", "1000");
    List<ProcessHandle> workers = List.of();
    try {
      LauncherJvm.awaitSteps(launcher, run, 20);
      workers = launcher.toHandle().children().toList();
      assertThat(workers).hasSize(2);

      launcher.destroyForcibly().waitFor(); // SIGKILL
      long killed = System.nanoTime();
      while (workers.stream().anyMatch(RankProcesses::isRunning)) {
        assertThat(System.nanoTime() - killed)
            .as("workers still running after their launcher was killed")
            .isLessThan(TimeUnit.SECONDS.toNanos(10));
        Thread.sleep(50);
      }
      // Rank 1 says why it stopped: it saw the launcher gone, or first saw rank 0 (which saw it
      // first) gone from a collective.
      assertThat(Files.readString(run.resolve("rank-1.log")))
          .containsAnyOf(
              "the launcher (pid "
                  + launcher.pid()
                  + ") is gone; exiting with status "
                  + LauncherWatch.EXIT_STATUS,
              "lost peer rank 0");
    } finally {
      launcher.destroyForcibly();
      workers.forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void ranksOfCohortRunShouldExitWithinSecondsOfTheirLauncherBeingKilled(@TempDir Path dir)
      throws Exception {
    List<String> cli =
        new ArrayList<>(List.of("run", "--nproc", "2", "--run-dir", dir.toString(), "--"));
    cli.addAll(JavaCommand.of(SleepingRank.class.getName(), List.of()).toList());
    Path output = dir.resolve("launcher.out");
    Process launcher =
        new ProcessBuilder(JavaCommand.cohort(cli).toList())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    List<ProcessHandle> ranks = new ArrayList<>();
    try {
      // Each rank writes its pid once Cohort.init() has returned: the watch runs from then at
      // the latest.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      for (int r = 0; r < 2; r++) {
        Path pid = dir.resolve("pid-" + r);
        while (!Files.exists(pid)) {
          assertThat(launcher.isAlive()).as(Files.readString(output)).isTrue();
          assertThat(System.nanoTime()).as("ranks joined").isLessThan(deadline);
          Thread.sleep(50);
        }
        ranks.add(ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).orElseThrow());
      }
      assertThat(ranks).allMatch(RankProcesses::isRunning);

      launcher.destroyForcibly().waitFor(); // SIGKILL
      long killed = System.nanoTime();
      while (ranks.stream().anyMatch(RankProcesses::isRunning)) {
        assertThat(System.nanoTime() - killed)
            .as("ranks of cohort run still running after their launcher was killed")
            .isLessThan(TimeUnit.SECONDS.toNanos(10));
        Thread.sleep(50);
      }
    } finally {
      launcher.destroyForcibly();
      ranks.forEach(ProcessHandle::destroyForcibly);
    }
  }
}
