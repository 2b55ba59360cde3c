package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.lab.model.MoeStepModel;
import dev.cohort.lab.model.TensorStepModel;
import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.moe.MoeSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cohort bench tensor} and {@code cohort bench moe} on the tiny model: each writes its
 * report, the parameters each worker held equal the step models' counts, and what cannot run is
 * refused before any run.
 */
@Timeout(300)
class BenchSplitCommandsTest {
  private static final GptConfig TINY = Models.gptConfig("gpt-tiny");

  @Test
  void benchTensorShouldMeasureAndPredictEachGroupSize(@TempDir Path dir) throws Exception {
    int code =
        new CommandLine(new Main())
            .execute(
                "bench",
                "tensor",
                "--model",
                "gpt-tiny",
                "--batch",
                "2",
                "--steps",
                "22",
                "--reps",
                "1",
                "--tensor",
                "1,2",
                "--out",
                dir.toString());
    assertThat(code).isZero();
    assertThat(Files.readString(dir.resolve("tensor.md")))
        .contains("| t=1 (2 threads each) | ")
        .containsPattern("\\| t=2 \\(1 thread each\\) \\| .* \\| [-+][0-9.]+% \\|")
        .contains("Median prediction error over t > 1");
    JsonNode rows = new ObjectMapper().readTree(dir.resolve("tensor.json").toFile()).get("rows");
    for (JsonNode row : rows) {
      int t = row.get("tensor").asInt();
      assertThat(row.get("parameter_bytes_per_worker").asLong())
          .as("t=%d", t)
          .isEqualTo(Math.round(4 * TensorStepModel.parametersPerRank(TINY, t)));
    }
  }

  @Test
  void benchMoeShouldCompareWithTheDenseModelAndStudyTheBalance(@TempDir Path dir)
      throws Exception {
    int code =
        new CommandLine(new Main())
            .execute(
                "bench",
                "moe",
                "--model",
                "gpt-tiny",
                "--experts",
                "2",
                "--batch",
                "2",
                "--steps",
                "22",
                "--reps",
                "1",
                "--balance-steps",
                "60",
                "--out",
                dir.toString());
    assertThat(code).isZero();
    assertThat(Files.readString(dir.resolve("moe.md")))
        .contains("| MoE, 2 workers expert-parallel | ")
        .contains("Median prediction error over the expert-parallel cases")
        .contains("| 0.01 | 40-59 | ")
        .contains("| 0.00 | 0-19 | ")
        .contains("| MoE, 2 experts | ");
    MoeStepModel sizes = MoeStepModel.sizes(TINY, new MoeSettings(2, 1, 1.25, 0.01), 2);
    JsonNode rows = new ObjectMapper().readTree(dir.resolve("moe.json").toFile()).get("rows");
    for (JsonNode row : rows) {
      String name = row.get("case").asText();
      long held = row.at("/memory_rank0/parameters").asLong();
      if (name.startsWith("dense")) {
        assertThat(held).as(name).isEqualTo(4 * TINY.parameterCount());
      } else {
        assertThat(held)
            .as(name)
            .isEqualTo(4 * sizes.parametersPerWorker(row.get("workers").asInt()));
      }
    }
  }

  @Test
  void whatCannotRunShouldBeRefused() {
    assertThat(refused("bench", "tensor", "--model", "gpt-tiny", "--tensor", "3"))
        .contains("cannot be split evenly over --tensor 3");
    assertThat(refused("bench", "moe", "--experts", "3")).contains("--experts must be even");
    assertThat(refused("bench", "moe", "--balance-steps", "10"))
        .contains("need --balance-steps >= 60");
    assertThat(refused("bench", "tensor", "--steps", "5")).contains("need --steps > 21");
  }

  private static String refused(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    try {
      assertThat(new CommandLine(new Main()).execute(args)).isEqualTo(2);
    } finally {
      System.setErr(old);
    }
    return err.toString();
  }
}
