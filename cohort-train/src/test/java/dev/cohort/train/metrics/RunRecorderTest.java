package dev.cohort.train.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rank 0's run records are the owner's alone: 0600 files, in a 0700 folder if Cohort makes it. */
class RunRecorderTest {
  @TempDir Path tmp;

  private static RunListener.Start start() {
    return new RunListener.Start(TrainConfig.builder().build(), 1, 10, List.of(), "test data");
  }

  @Test
  void aRunFolderItCreatesShouldBe0700WithFiles0600() throws IOException {
    Path run = tmp.resolve("runs/one");
    try (RunRecorder r = new RunRecorder(run)) {
      r.onStart(start());
      Path empty = Files.writeString(tmp.resolve("empty.json"), "{}");
      r.writeSummary(RunSummary.read(empty));
    }
    assertThat(mode(tmp.resolve("runs"))).isEqualTo("rwx------");
    assertThat(mode(run)).isEqualTo("rwx------");
    for (String f : List.of(EffectiveConfig.FILE, MetricsCsv.FILE, RunSummary.FILE)) {
      assertThat(mode(run.resolve(f))).as(f).isEqualTo("rw-------");
    }
  }

  @Test
  void filesThatExistedShouldBecome0600AndTheUsersFolderKeepItsMode() throws IOException {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path config = Files.writeString(tmp.resolve(EffectiveConfig.FILE), "old");
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-rw-rw-"));
    try (RunRecorder r = new RunRecorder(tmp)) {
      r.onStart(start());
    }
    assertThat(mode(tmp)).isEqualTo("rwxr-xr-x");
    assertThat(mode(config)).isEqualTo("rw-------");
    assertThat(Files.readString(config)).doesNotContain("old");
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
