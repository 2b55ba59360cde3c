package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The small chaos run of CI: one SIGKILL, the run completes, accuracy unchanged, report written.
 */
@Timeout(300)
class ChaosTest {

  @Test
  void aRunShouldSurviveAKillWithTheSameAccuracy(@TempDir Path dir) throws Exception {
    int code =
        new CommandLine(new Main())
            .execute(
                "lab",
                "chaos",
                "--kills",
                "1",
                "--train-limit",
                "4096",
                "--checkpoint-every",
                "10",
                "--out",
                dir.toString());
    assertThat(code).isZero();
    String md = Files.readString(dir.resolve("chaos.md"));
    assertThat(md).contains("| 1 |").contains("difference 0.00 points");
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }
}
