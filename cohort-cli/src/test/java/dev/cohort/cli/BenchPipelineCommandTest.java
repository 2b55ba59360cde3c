package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cohort bench pipeline} on two quick cases writes its report with the measured waiting next
 * to the textbook bubble; a case it cannot run is refused before any run.
 */
@Timeout(300)
class BenchPipelineCommandTest {

  @Test
  void twoCasesShouldBeMeasuredAndReported(@TempDir Path dir) throws Exception {
    int code =
        new CommandLine(new Main())
            .execute(
                "bench",
                "pipeline",
                "--model",
                "gpt-tiny",
                "--steps",
                "24",
                "--reps",
                "1",
                "--cases",
                "1:1f1b:1:2:1,2:1f1b:1:2",
                "--out",
                dir.toString());
    assertThat(code).isZero();
    String md = Files.readString(dir.resolve("pipeline.md"));
    assertThat(md)
        .contains("| 1 | 1f1b | 1 | 2 | 1 | ")
        .contains("| 2 | 1f1b | 1 | 2 | 1 | ")
        // the formula's (p-1)/(m+p-1), the step model's prediction and error, 2 in flight
        .containsPattern("\\| 33\\.3% \\| [0-9.]+ \\| [-+][0-9.]+% \\| 2 \\|")
        .contains("The step model's median error over the 1 pipelined cases");
    assertThat(dir.resolve("pipeline.json")).isNotEmptyFile();
  }

  @Test
  void theBudgetStudyShouldTrainTheLargestModelThatFitsAndShowOneMoreRefused(@TempDir Path dir)
      throws Exception {
    int code =
        new CommandLine(new Main())
            .execute(
                "bench",
                "pipeline",
                "--budget",
                "24MiB",
                "--budget-width",
                "64",
                "--budget-stages",
                "1,2",
                "--budget-steps",
                "2",
                "--out",
                dir.toString());
    assertThat(code).isZero();
    String md = Files.readString(dir.resolve("pipeline-memory.md"));
    // Tracked equals predicted, and is within the budget; a deeper model fits on 2 stages.
    assertThat(md)
        .containsPattern("\\| 1 \\| gpt-([0-9]+)x64 \\| [0-9,]+ \\| ([0-9.]+) \\(\\2\\) \\|")
        .containsPattern("\\| 2 \\| gpt-([0-9]+)x64 \\| [0-9,]+ \\| ([0-9.]+) \\(\\2\\) \\|")
        .contains("- 1 stage: --memory-budget 24.0 MiB is too small for gpt-")
        .contains("- 2 stages: --memory-budget 24.0 MiB is too small for gpt-");
    assertThat(dir.resolve("pipeline-memory.json")).isNotEmptyFile();
  }

  @Test
  void aCaseThatCannotRunShouldBeRefusedFirst(@TempDir Path dir) {
    CommandLine cli = new CommandLine(new Main());
    PrintStream saved = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true));
    try {
      assertThat(
              cli.execute(
                  "bench",
                  "pipeline",
                  "--cases",
                  "2:interleaved-1f1b:2:3",
                  "--out",
                  dir.toString()))
          .isEqualTo(2);
      assertThat(cli.execute("bench", "pipeline", "--cases", "2-1f1b", "--out", dir.toString()))
          .isEqualTo(2);
      assertThat(cli.execute("bench", "pipeline", "--budget", "lots", "--out", dir.toString()))
          .isEqualTo(2);
      assertThat(cli.execute("bench", "pipeline", "--budget", "1GiB", "--steps", "9")).isEqualTo(2);
      assertThat(cli.execute("bench", "pipeline", "--budget-width", "64")).isEqualTo(2);
    } finally {
      System.setErr(saved);
    }
    assertThat(captured.toString())
        .contains("interleaved 1F1B runs micro-batches in rounds of 2")
        .contains("cannot read the case '2-1f1b'")
        .contains("--budget must be a size such as 512MiB")
        .contains("--steps belong to the study of cases, not to the budget study")
        .contains("--budget-width belong to the budget study: give --budget too");
    assertThat(dir.resolve("pipeline.md")).doesNotExist();
  }
}
