package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The small chaos run of CI: two SIGKILLs of a worker, then two of the launcher (a cohort train
 * process); no orphan, every resume from the newest checkpoint, the result bitwise the
 * uninterrupted run's, report written.
 */
@Timeout(300)
class ChaosTest {

  @Test
  void aRunShouldSurviveKilledWorkersAndKilledLaunchersWithTheSameModel(@TempDir Path dir)
      throws Exception {
    int code =
        new CommandLine(new Main())
            .execute(
                "lab",
                "chaos",
                "--target",
                "both",
                "--kills",
                "2",
                "--train-limit",
                "8192",
                "--epochs",
                "2",
                "--checkpoint-every",
                "10",
                "--out",
                dir.toString());
    assertThat(code).isZero();
    String md = Files.readString(dir.resolve("chaos.md"));
    assertThat(md)
        .contains("| | workers killed | launcher killed |")
        .contains("| kills | 2 | 2 |")
        .contains("| resumed from the newest complete checkpoint | 2 of 2 | 2 of 2 |")
        .contains("| orphan processes | 0 | 0 |")
        .contains("| final model against the uninterrupted run's | bitwise identical |")
        .contains("Processes of the chaos run still running at its end: 0.");
    assertThat(dir.resolve("chaos.json")).exists();
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }

  @Test
  void badOptionsShouldGiveOneLineAndStatusTwo(@TempDir Path dir) {
    LauncherTest.Result r =
        LauncherTest.cohort("lab", "chaos", "--target", "rank0", "--out", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip())
        .isEqualTo("cohort lab chaos: --target must be workers, launcher or both, got 'rank0'");
    LauncherTest.Result tooShort =
        LauncherTest.cohort(
            "lab", "chaos", "--kills", "50", "--train-limit", "640", "--out", dir.toString());
    assertThat(tooShort.code()).isEqualTo(2);
    assertThat(tooShort.err().strip())
        .startsWith("cohort lab chaos: the run has 10 steps, too few for 50 kills")
        .doesNotContain("\n");
    assertThat(dir).isEmptyDirectory();
  }
}
