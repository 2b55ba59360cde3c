package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.spawn.RankProcesses;
import dev.cohort.train.LauncherWatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL to the launcher (the OOM killer, a scheduler) leaves it no chance to stop its workers:
 * they must notice on their own and exit, rather than train on with parent PID 1.
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
}
