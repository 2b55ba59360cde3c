package dev.cohort.lab.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class LauncherKillsTest {
  private final ChaosRun.Options opt = ChaosFixtures.options(Path.of("/tmp/report"));
  private final Path dir = Path.of("/tmp/work/chaos-launcher");

  @Test
  void theLauncherShouldBeCohortTrainWithTheWorkersOptions() {
    List<String> cmd = LauncherKills.command(opt, dir, false);
    assertThat(cmd.subList(0, 8))
        .containsExactly(
            "/usr/bin/java",
            "-cp",
            "cohort.jar",
            "dev.cohort.cli.Main",
            "train",
            "--nproc",
            "2",
            "--threads");
    assertThat(cmd).doesNotContain("worker", "--resume");
    assertThat(Collections.indexOfSubList(cmd, List.of("--run-dir", dir.toString()))).isPositive();
    assertThat(Collections.indexOfSubList(cmd, List.of("--checkpoint-every", "10"))).isPositive();
    assertThat(Collections.indexOfSubList(cmd, List.of("--train-limit", "4096"))).isPositive();
    assertThat(cmd).contains("--no-progress");
  }

  @Test
  void aResumingLauncherShouldResumeItsOwnRunFolder() {
    List<String> cmd = LauncherKills.command(opt, dir, true);
    assertThat(Collections.indexOfSubList(cmd, List.of("--resume", dir.toString()))).isPositive();
  }
}
