package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.lab.model.TensorStepModel;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.GptConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cohort train --model gpt-tiny --tensor 2} and {@code --experts 4} on 4 worker processes:
 * data x tensor and data x expert parallelism through sub-groups, trained, evaluated and reported
 * like any language-model run, the experts' routing in metrics.csv and summary.json; what does not
 * fit is refused before anything starts.
 */
@Timeout(300)
class SplitTrainingTest {
  private static final int STEPS = 24;

  private static Path train(Path dir, String... split) {
    Path run = dir.resolve("run");
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--nproc",
                "4",
                "--model",
                "gpt-tiny",
                "--batch",
                "4",
                "--lr",
                "0.003",
                "--max-steps",
                "" + STEPS,
                "--test-limit",
                "70",
                "--generate",
                "20",
                "--threads",
                "1",
                "--no-progress",
                "--run-dir",
                run.toString()));
    args.addAll(List.of(split));
    assertThat(new CommandLine(new Main()).execute(args.toArray(String[]::new))).isZero();
    return run;
  }

  @Test
  void twoReplicasOfTwoTensorRanksShouldTrainAndReport(@TempDir Path dir) throws Exception {
    Path run = train(dir, "--tensor", "2");
    var steps = MetricsCsv.read(run.resolve("metrics.csv"));
    assertThat(steps).hasSize(STEPS);
    assertThat(steps.get(STEPS - 1).loss()).isLessThan(steps.get(0).loss());
    assertThat(steps.stream().skip(2).mapToLong(r -> r.commNanos()).min().orElse(0)).isPositive();
    JsonNode config = new ObjectMapper().readTree(run.resolve("config.json").toFile());
    assertThat(config.at("/layers/tensor").asInt()).isEqualTo(2);
    assertThat(config.at("/global_batch").asInt()).isEqualTo(8); // 2 replicas x 4
    assertThat(config.has("pipeline")).isFalse();
    String log = Files.readString(run.resolve("rank-0.log"));
    assertThat(log)
        .containsPattern("epoch 1: train loss [0-9.]+, validation loss [0-9.]+, perplexity")
        .contains("(2,240 characters)") // 70 windows of 32, each once, over the 2 replicas
        .contains("generated:\nThe ")
        .doesNotContain("warning: tensor parallelism over TCP");
    MemoryReport memory = MemoryReport.read(run.resolve(MemoryReport.FILE));
    assertThat(memory.workers()).hasSize(4);
    // Each holds the replicated parameters and half of every layer's shards.
    long half = Math.round(4 * TensorStepModel.parametersPerRank(Models.gptConfig("gpt-tiny"), 2));
    assertThat(half).isLessThan(4 * Models.gptConfig("gpt-tiny").parameterCount());
    assertThat(memory.workers()).allMatch(w -> w.tracked().parameters() == half);
    assertThat(memory.workers()).allMatch(w -> w.tracked().activations() > 0);
  }

  @Test
  void twoReplicasOfTwoExpertRanksShouldCountEveryRoutingChoice(@TempDir Path dir)
      throws Exception {
    Path run =
        train(
            dir,
            "--experts",
            "4",
            "--expert-parallel",
            "2",
            "--top-k",
            "2",
            "--capacity-factor",
            "1");
    List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
    assertThat(lines.get(0))
        .endsWith(
            ",step_ms,aux_loss,dropped,busiest_over_mean,expert_0,expert_1,expert_2,expert_3");
    assertThat(lines).hasSize(STEPS + 1);
    // Each step: 4 workers x 4 windows x 32 characters, 2 choices each, in each of 2 layers.
    long choices = 4L * 4 * 32 * 2 * 2;
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      long routed = 0;
      for (int e = 0; e < 4; e++) {
        routed += Long.parseLong(f[f.length - 4 + e]); // expert_0..expert_3
      }
      assertThat(routed).as(line).isEqualTo(choices);
      assertThat(Double.parseDouble(f[f.length - 5])).as(line).isBetween(1.0, 4.0); // busiest
      assertThat(Long.parseLong(f[f.length - 6])).as(line).isBetween(0L, choices); // dropped
      assertThat(Double.parseDouble(f[f.length - 7])).as(line).isGreaterThan(0.009); // aux_loss
    }
    JsonNode experts =
        new ObjectMapper().readTree(run.resolve("summary.json").toFile()).get("experts");
    assertThat(experts.get("choices").asLong()).isEqualTo(choices * STEPS);
    assertThat(experts.get("dropped").asLong()).isPositive();
    assertThat(experts.get("busiest_over_mean").asDouble()).isBetween(1.0, 4.0);
    MemoryReport memory = MemoryReport.read(run.resolve(MemoryReport.FILE));
    // Each worker holds the dense model less its MLPs, plus each layer's router and 2 of its 4
    // experts (each expert an MLP).
    GptConfig g = Models.gptConfig("gpt-tiny");
    long c = g.width();
    long mlp = 4 * c * c + 4 * c + 4 * c * c + c;
    long floats = g.parameterCount() + g.layers() * (4 * c + mlp);
    assertThat(memory.workers()).hasSize(4);
    assertThat(memory.workers()).allMatch(w -> w.tracked().parameters() == 4 * floats);
  }

  @Test
  void whatDoesNotFitShouldBeRefusedBeforeAnythingStarts(@TempDir Path dir) {
    assertThat(refusal(dir, "--nproc", "3", "--model", "gpt-tiny", "--tensor", "2"))
        .contains("3 workers do not make whole tensor groups of --tensor 2");
    assertThat(refusal(dir, "--nproc", "3", "--model", "gpt-tiny", "--tensor", "3"))
        .contains("cannot be split evenly over --tensor 3");
    assertThat(refusal(dir, "--nproc", "2", "--model", "mlp", "--experts", "4"))
        .contains("--tensor and --experts split the language model's layers");
    assertThat(
            refusal(dir, "--nproc", "4", "--model", "gpt-tiny", "--tensor", "2", "--pipeline", "2"))
        .contains("do not train with pipelines");
    assertThat(
            refusal(dir, "--nproc", "2", "--model", "gpt-tiny", "--tensor", "2", "--experts", "4"))
        .contains("--tensor and --experts cannot be combined yet");
    assertThat(refusal(dir, "--nproc", "2", "--model", "gpt-tiny", "--top-k", "2"))
        .contains("need --experts");
    assertThat(
            refusal(dir, "--nproc", "2", "--model", "gpt-tiny", "--experts", "4", "--top-k", "3"))
        .contains("--top-k must be 1 or 2");
    assertThat(
            refusal(
                dir,
                "--nproc",
                "4",
                "--model",
                "gpt-tiny",
                "--experts",
                "4",
                "--expert-parallel",
                "3"))
        .contains("--expert-parallel 3 must divide both the workers (4) and --experts (4)");
    assertThat(refusal(dir, "--nproc", "2:4", "--model", "gpt-tiny", "--tensor", "2"))
        .contains("split layers cannot restart");
    assertThat(
            refusal(
                dir,
                "--nproc",
                "2",
                "--model",
                "gpt-tiny",
                "--experts",
                "2",
                "--max-restarts",
                "1"))
        .contains("--max-restarts 1, and split layers cannot restart");
    assertThat(
            refusal(
                dir,
                "--nproc",
                "2",
                "--model",
                "gpt-tiny",
                "--tensor",
                "2",
                "--checkpoint-every",
                "5"))
        .contains("checkpoints (--checkpoint-every, --resume)");
  }

  private static String refusal(Path dir, String... args) {
    return PipelineTrainingTest.refusal(dir, args);
  }
}
