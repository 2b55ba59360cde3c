package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.MetricsCsv;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cohort train --model gpt-tiny --pipeline 2}: two worker processes, one stage each, train
 * the language model on the fortunes with 1F1B, cut where the user says, and rank 0 reports
 * validation perplexity and generated text; options that do not fit a pipeline are refused before
 * anything starts.
 */
@Timeout(300)
class PipelineTrainingTest {

  @Test
  void twoStagesShouldTrainTheLanguageModelAndWriteTheRunFolder(@TempDir Path dir)
      throws Exception {
    Path run = dir.resolve("run");
    int code =
        new CommandLine(new Main())
            .execute(
                "train",
                "--nproc",
                "2",
                "--model",
                "gpt-tiny",
                "--pipeline",
                "2",
                "--micro-batches",
                "4",
                "--batch",
                "4",
                "--partition",
                "1,4",
                "--optimizer",
                "adam",
                "--lr",
                "0.003",
                "--max-steps",
                "40",
                "--test-limit",
                "70",
                "--threads",
                "1",
                "--no-progress",
                "--run-dir",
                run.toString());
    assertThat(code).isZero();
    assertThat(MetricsCsv.read(run.resolve("metrics.csv"))).hasSize(40);
    JsonNode config = new ObjectMapper().readTree(run.resolve("config.json").toFile());
    assertThat(config.at("/pipeline/stages").asInt()).isEqualTo(2);
    assertThat(config.at("/global_batch").asInt()).isEqualTo(16);
    JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
    assertThat(summary.get("steps").asInt()).isEqualTo(40);
    String log = Files.readString(run.resolve("rank-0.log"));
    assertThat(log)
        .contains("stages: stage 0: blocks 0-0, stage 1: blocks 1-4")
        .containsPattern("epoch 1: train loss [0-9.]+, validation loss [0-9.]+, perplexity")
        // 70 windows of 32 characters, each once: 4 whole steps of 16 and a short one of 6.
        .contains("(2,240 characters)")
        .contains("generated:\nThe ");
    // The first stage's rank waits for the second's gradients: its waiting is the bubble.
    double waiting =
        MetricsCsv.read(run.resolve("metrics.csv")).stream()
            .skip(5)
            .mapToDouble(r -> r.waitNanos())
            .average()
            .orElse(0);
    assertThat(waiting).isPositive();
    // Every worker held exactly the activations and buffers the plan predicted from the sizes.
    MemoryReport memory = MemoryReport.read(run.resolve(MemoryReport.FILE));
    assertThat(memory.workers()).hasSize(2);
    for (MemoryReport.Worker w : memory.workers()) {
      assertThat(w.tracked()).isEqualTo(w.predicted());
      assertThat(w.tracked().activations()).isPositive();
      assertThat(w.peakRssBytes()).isGreaterThan(w.tracked().total());
    }
    assertThat(log).contains("memory per worker, MiB: tracked (predicted)");
  }

  @Test
  void twoPipelinesShouldShareTheEvaluationAndCheckpointOnce(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    int code =
        new CommandLine(new Main())
            .execute(
                "train",
                "--nproc",
                "4",
                "--model",
                "gpt-tiny",
                "--pipeline",
                "2",
                "--micro-batches",
                "2",
                "--batch",
                "4",
                "--max-steps",
                "10",
                "--checkpoint-every",
                "3",
                "--keep-checkpoints",
                "1",
                "--test-limit",
                "70",
                "--generate",
                "0",
                "--threads",
                "1",
                "--no-progress",
                "--run-dir",
                run.toString());
    assertThat(code).isZero();
    // 70 windows of 32 characters, each once, dealt to 2 pipelines in chunks of 8 (the last 6).
    assertThat(Files.readString(run.resolve("rank-0.log"))).contains("(2,240 characters)");
    for (int stage = 0; stage < 2; stage++) {
      // The first pipeline writes each stage. Before step 9's write, every stage had written
      // step 6, so step 3 went; 6 stays until the next write (pruning comes before a write).
      assertThat(run.resolve("checkpoints/stage-" + stage))
          .isDirectoryContaining(p -> p.getFileName().toString().equals("ckpt-000000009"))
          .isDirectoryContaining(p -> p.getFileName().toString().equals("ckpt-000000006"))
          .isDirectoryNotContaining(p -> p.getFileName().toString().equals("ckpt-000000003"));
    }
    assertThat(MetricsCsv.read(run.resolve("metrics.csv"))).hasSize(10);
  }

  @Test
  void optionsThatDoNotFitAPipelineShouldBeRefusedBeforeAnythingStarts(@TempDir Path dir) {
    assertThat(refusal(dir, "--nproc", "3", "--model", "gpt-tiny", "--pipeline", "2"))
        .contains("--nproc 3 does not make whole pipelines of --pipeline 2");
    assertThat(refusal(dir, "--nproc", "2:4", "--model", "gpt-tiny", "--pipeline", "2"))
        .contains("--nproc 2:4 is elastic, and a pipeline cannot restart on fewer workers");
    assertThat(
            refusal(
                dir,
                "--nproc",
                "2",
                "--model",
                "gpt-tiny",
                "--pipeline",
                "2",
                "--schedule",
                "interleaved-1f1b"))
        .contains("--schedule interleaved-1f1b needs --virtual-stages 2 or more");
    assertThat(refusal(dir, "--nproc", "2", "--model", "mlp", "--pipeline", "2"))
        .contains(
            "--pipeline, --schedule, --micro-batches, --virtual-stages and --partition are for the"
                + " language");
    assertThat(refusal(dir, "--nproc", "2", "--model", "gpt-tiny", "--accumulation", "2"))
        .contains("the language model does not take --accumulation (use --micro-batches)");
    assertThat(
            refusal(
                dir,
                "--nproc",
                "2",
                "--model",
                "gpt",
                "--pipeline",
                "2",
                "--schedule",
                "gpipe",
                "--micro-batches",
                "8",
                "--batch",
                "4",
                "--memory-budget",
                "100MiB"))
        .contains("--memory-budget 100.0 MiB is too small for gpt with --pipeline 2 --schedule")
        .contains("Plans that fit: --pipeline 2 --schedule 1f1b --micro-batches 8 --batch 4");
    assertThat(
            refusal(
                dir, "--nproc", "2", "--model", "gpt-tiny", "--pipeline", "2", "--partition", "4"))
        .contains("--partition 4 gives 1 stage of 4 blocks; the plan has 2 stages");
    assertThat(
            refusal(
                dir, "--nproc", "2", "--model", "gpt-tiny", "--pipeline", "2", "--schedule", "zb"))
        .contains("--schedule must be one of [gpipe, 1f1b, interleaved-1f1b], got zb");
  }

  /**
   * {@code cohort train args} refused before anything starts: exit 2, no run folder; its standard
   * error.
   */
  static String refusal(Path dir, String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of("train"));
    all.addAll(List.of(args));
    all.addAll(List.of("--run-dir", dir.resolve("refused").toString()));
    assertThat(cli.execute(all.toArray(String[]::new))).isEqualTo(2);
    assertThat(dir.resolve("refused")).doesNotExist();
    return err.toString();
  }
}
