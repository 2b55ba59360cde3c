package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardCommandTest {
  @TempDir Path run;

  @Test
  void aDashboardThatCannotListenStopsTheRunBeforeAnythingStarts() {
    Path dir = run.resolve("never");
    LauncherTest.Result r =
        LauncherTest.cohort(
            "train", "--nproc", "2", "--dashboard-host", "192.0.2.1", "--run-dir", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip())
        .startsWith("cohort train: cannot serve the dashboard on 192.0.2.1:0")
        .endsWith("pick another --dashboard-port (0: any free port), or check --dashboard-host")
        .doesNotContain("\n");
    assertThat(dir).doesNotExist();
    LauncherTest.Result port =
        LauncherTest.cohort("run", "--nproc", "1", "--dashboard-port", "-1", "--", "true");
    assertThat(port.code()).isEqualTo(2);
    assertThat(port.err()).contains("--dashboard-port must be between 0 (any free port) and 65535");
  }

  @Test
  void aRunIsLiveWhileItsStepsFilesAreNewerThanItsSummaryAndRecent() throws Exception {
    assertThat(DashboardCommand.running(run)).as("no steps files").isFalse();
    Path steps = Files.createDirectories(run.resolve("ranks")).resolve("rank-0.csv");
    Files.writeString(steps, "# rank 0\n");
    assertThat(DashboardCommand.running(run)).as("no summary yet").isTrue();

    long now = System.currentTimeMillis();
    Files.writeString(run.resolve("summary.json"), "{}");
    Files.setLastModifiedTime(steps, FileTime.fromMillis(now - 5_000));
    Files.setLastModifiedTime(run.resolve("summary.json"), FileTime.fromMillis(now));
    assertThat(DashboardCommand.running(run)).as("finished: summary after the last step").isFalse();

    Files.delete(run.resolve("summary.json"));
    Files.setLastModifiedTime(steps, FileTime.fromMillis(now - 20 * 60_000));
    assertThat(DashboardCommand.running(run)).as("silent for 20 min, no summary: hung").isTrue();
    Files.setLastModifiedTime(steps, FileTime.fromMillis(now - DashboardCommand.LIVE_MS - 60_000));
    assertThat(DashboardCommand.running(run)).as("gone long ago without a summary").isFalse();
  }
}
