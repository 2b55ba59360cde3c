package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.cli.LauncherTest.Result;
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

/** {@code cohort run} end to end: any program as N ranks, from the command line. */
@Timeout(120)
class RunCommandTest {

  @Test
  void everyRankShouldRunTheProgramWithItsOutputPrefixed(@TempDir Path dir) {
    Result r =
        LauncherTest.cohort(
            "run",
            "--nproc",
            "2",
            "--run-dir",
            dir.toString(),
            "--",
            "sh",
            "-c",
            "echo hello from $RANK of $WORLD_SIZE");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("[rank 0] hello from 0 of 2", "[rank 1] hello from 1 of 2");
    assertThat(r.err()).contains("cohort run: every rank exited 0");
  }

  @Test
  void theFailingRanksExitStatusShouldBeTheRunsOwn(@TempDir Path dir) {
    // No "--" needed when the program takes no options of cohort run's.
    Result r =
        LauncherTest.cohort(
            "run",
            "--nproc",
            "2",
            "--run-dir",
            dir.toString(),
            "sh",
            "-c",
            "if [ $RANK = 1 ]; then echo giving up; exit 4; fi; exec sleep 30");

    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err())
        .contains("cohort run: worker rank 1 failed with exit status 4")
        .contains("| giving up");
  }

  @Test
  void badInputShouldGiveOneLineAndStatusTwo(@TempDir Path dir) {
    Result none = LauncherTest.cohort("run", "--nproc", "2");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err().strip())
        .startsWith("cohort run: no program to run: give it after --")
        .doesNotContain("\n");
    Result zero = LauncherTest.cohort("run", "--nproc", "0", "--", "true");
    assertThat(zero.code()).isEqualTo(2);
    assertThat(zero.err().strip())
        .startsWith("cohort run: --nproc must be between 1")
        .doesNotContain("\n");
    Result missing =
        LauncherTest.cohort(
            "run", "--nproc", "2", "--run-dir", dir.toString(), "--", "no-such-program-anywhere");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err().strip())
        .startsWith("cohort run: program not found: no-such-program-anywhere")
        .doesNotContain("\n");
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void sigtermToTheLauncherShouldStopEveryRankGracefully(@TempDir Path dir) throws Exception {
    String program =
        "trap 'echo stopping gracefully; exit 0' TERM; echo $$ > $COHORT_RUN_DIR/pid-$RANK;"
            + " while :; do sleep 0.1; done";
    List<String> launcher =
        JavaCommand.of(
                JavaCommand.COHORT_MAIN,
                List.of(
                    "run", "--nproc", "2", "--run-dir", dir.toString(), "--", "sh", "-c", program))
            .toList();
    Process p =
        new ProcessBuilder(launcher)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("launcher.log").toFile())
            .start();
    try {
      List<Path> pids = List.of(dir.resolve("pid-0"), dir.resolve("pid-1"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!pids.stream().allMatch(f -> Files.exists(f) && f.toFile().length() > 0)) {
        assertThat(System.nanoTime() < deadline && p.isAlive())
            .as(
                Files.exists(dir.resolve("launcher.log"))
                    ? Files.readString(dir.resolve("launcher.log"))
                    : "")
            .isTrue();
        Thread.sleep(50);
      }

      p.destroy(); // SIGTERM, as from kill or a scheduler

      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      List<Long> ranks = new ArrayList<>();
      for (Path f : pids) {
        ranks.add(Long.parseLong(Files.readString(f).strip()));
      }
      for (long pid : ranks) {
        assertThat(ProcessHandle.of(pid).map(RankProcesses::isRunning).orElse(false))
            .as("rank process " + pid)
            .isFalse();
      }
      assertThat(Files.readString(dir.resolve("rank-0.log"))).contains("stopping gracefully");
      assertThat(Files.readString(dir.resolve("rank-1.log"))).contains("stopping gracefully");
    } finally {
      p.destroyForcibly();
    }
  }
}
