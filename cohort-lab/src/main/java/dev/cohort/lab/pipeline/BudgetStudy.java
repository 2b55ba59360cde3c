package dev.cohort.lab.pipeline;

import dev.cohort.lab.bench.ReportFiles;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.Pipelining;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainConfigBuilder;
import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.model.Models;
import dev.cohort.train.pipeline.PipelineMemory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The largest model that trains under a fixed per-worker memory budget with 1, 2 and 4 pipeline
 * stages: for each stage count the plan ({@link PipelineMemory}) picks the most transformer blocks
 * of a given width that fit, the model trains a few steps under {@code --memory-budget}, and the
 * run's tracked bytes and peak resident memory are read back; one block more is refused before
 * training. Writes pipeline-memory.md and .json.
 *
 * @param budget bytes per worker
 * @param width the blocks' width ({@code gpt-<layers>x<width>})
 * @param rows windows per micro-batch
 * @param microBatches micro-batches per step (1F1B)
 * @param stages the stage counts to try
 * @param steps training steps per run
 * @param outDir where the report goes
 */
public record BudgetStudy(
    long budget,
    int width,
    int rows,
    int microBatches,
    List<Integer> stages,
    int steps,
    Path outDir) {

  /** The most blocks tried. */
  static final int MAX_LAYERS = 256;

  /**
   * One stage count's result.
   *
   * @param largest the largest model that fits ({@code gpt-<layers>x<width>})
   * @param parameters its parameter count
   * @param predicted the plan's fullest worker
   * @param tracked the most any worker held in the run
   * @param peakRssBytes the largest peak resident memory among the workers
   * @param stepMillis rank 0's mean step
   * @param refusal what {@code cohort train} said of one block more
   */
  public record Row(
      int stages,
      String largest,
      long parameters,
      WorkerMemory predicted,
      WorkerMemory tracked,
      long peakRssBytes,
      double stepMillis,
      String refusal) {}

  /** Runs the study and writes the report; returns the Markdown file. */
  public Path run(PrintStream out) throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("cohort-bench-budget-");
    List<Row> rows = new ArrayList<>();
    for (int p : stages) {
      int layers = largestLayers(p);
      if (layers < 1) {
        out.printf(
            "  p=%d: not even one block of width %d fits %s%n", p, width, ByteSize.format(budget));
        continue;
      }
      String model = name(layers);
      String refusal = refusal(layers + 1, p);
      Path dir = work.resolve(p + "-stages");
      TrainConfig cfg = config(model, p).runDir(dir).build();
      Outcome o =
          new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
              .hangTimeout(Duration.ofMinutes(5))
              .run(
                  p,
                  WorkerArgs.of(cfg).command().withThreads(JavaCommand.threadsPerWorker(p)),
                  dir);
      if (o.exitCode() != 0) {
        throw new IOException("the run of " + model + " on " + p + " stages failed: " + o.report());
      }
      MemoryReport memory = MemoryReport.read(dir.resolve(MemoryReport.FILE));
      RunSummary summary = RunSummary.read(dir.resolve(RunSummary.FILE));
      WorkerMemory tracked = fullest(memory, true);
      Row row =
          new Row(
              p,
              model,
              Models.gptConfig(model).parameterCount(),
              fullest(memory, false),
              tracked,
              memory.workers().stream()
                  .mapToLong(MemoryReport.Worker::peakRssBytes)
                  .max()
                  .orElse(-1),
              summary.stepTimeMs().step(),
              refusal);
      rows.add(row);
      out.printf(
          Locale.ROOT,
          "  p=%d: %s (%,d parameters), fullest worker tracked %s, peak RSS %s%n",
          p,
          model,
          row.parameters(),
          ByteSize.format(tracked.total()),
          ByteSize.format(row.peakRssBytes()));
    }
    return ReportFiles.write(
        outDir, "pipeline-memory", new BudgetReport(this, rows).markdown(), rows);
  }

  private String name(int layers) {
    return "gpt-" + layers + "x" + width;
  }

  /** A short run of {@code model} on {@code p} stages under the budget. */
  private TrainConfigBuilder config(String model, int p) {
    return TrainConfig.builder()
        .model(model)
        .optimizer("adam")
        .learningRate(0.001f)
        .batch(rows)
        .pipeline(p)
        .schedule("1f1b")
        .microBatches(microBatches)
        .maxSteps(steps)
        .testLimit(rows * microBatches)
        .generate(0)
        .progress(false)
        .memoryBudget(budget);
  }

  /** The most blocks whose plan fits the budget on {@code p} stages (0 if none). */
  int largestLayers(int p) {
    int best = 0;
    for (int layers = Math.max(1, p - 3); layers <= MAX_LAYERS; layers++) {
      if (plan(layers, p).fullest().total() > budget) {
        break;
      }
      best = layers;
    }
    return best;
  }

  PipelineMemory plan(int layers, int p) {
    String model = name(layers);
    return new PipelineMemory(
        model,
        Models.gptConfig(model),
        new Pipelining(p, "1f1b", microBatches, 1),
        rows,
        "adam",
        0);
  }

  /** What {@code cohort train} says of {@code layers} blocks on {@code p} stages. */
  private String refusal(int layers, int p) {
    try {
      config(name(layers), p).build();
      return "(fits)";
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  private static WorkerMemory fullest(MemoryReport m, boolean tracked) {
    WorkerMemory most = null;
    for (MemoryReport.Worker w : m.workers()) {
      WorkerMemory x = tracked ? w.tracked() : w.predicted();
      most = most == null || x.total() > most.total() ? x : most;
    }
    return most;
  }
}
