package dev.cohort.cli;

import dev.cohort.lab.bench.TrainBench;
import dev.cohort.lab.pipeline.BudgetStudy;
import dev.cohort.lab.pipeline.PipelineBench;
import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.model.Models;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort bench pipeline}: the language model per pipeline schedule, ranks and micro-batches.
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description =
        "The language model on 1 and 2 pipeline ranks with GPipe, 1F1B and interleaved 1F1B at"
            + " m = 1, 2, 4, 8 micro-batches of a fixed global batch: throughput, the first"
            + " rank's waiting against the textbook bubble, peak memory; writes pipeline.md and"
            + " pipeline.json. With --budget: the largest model that trains under that memory"
            + " per worker with 1, 2 and 4 stages; writes pipeline-memory.md and .json.")
final class BenchPipelineCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "gpt",
      description = "gpt or gpt-tiny (default ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--global-batch",
      defaultValue = "16",
      description = "Sequences per step, split into micro-batches (default ${DEFAULT-VALUE}).")
  int globalBatch;

  @Option(
      names = "--steps",
      defaultValue = "50",
      description = "Steps per run (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--reps", defaultValue = "2", description = "Rounds (default ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--cases",
      split = ",",
      description =
          "Cases as ranks:schedule:virtual-stages:micro-batches, e.g. 1:1f1b:1:1,2:1f1b:1:4"
              + " (default: 1 rank, then 2 ranks with gpipe and 1f1b at m = 1, 2, 4, 8 and"
              + " interleaved-1f1b with 2 stages per rank at m = 2, 4, 8).")
  List<String> cases;

  /** Options of the study of cases only. */
  private static final List<String> CASE_STUDY_ONLY =
      List.of("--model", "--global-batch", "--steps", "--reps", "--cases");

  @Spec CommandSpec spec;

  @Option(
      names = "--budget",
      description =
          "Instead of the cases: the largest gpt-<layers>x<width> that trains under this memory"
              + " per worker (e.g. 160MiB) on each of --budget-stages.")
  String budget;

  @Option(
      names = "--budget-width",
      defaultValue = "256",
      description = "The blocks' width in the budget study (default ${DEFAULT-VALUE}).")
  int budgetWidth;

  @Option(
      names = "--budget-stages",
      split = ",",
      defaultValue = "1,2,4",
      description = "Stage counts in the budget study (default ${DEFAULT-VALUE}).")
  List<Integer> budgetStages;

  @Option(
      names = "--budget-steps",
      defaultValue = "4",
      description = "Training steps per run in the budget study (default ${DEFAULT-VALUE}).")
  int budgetSteps;

  @Option(
      names = "--out",
      defaultValue = "docs/benchmarks",
      description = "Output folder (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    List<String> misplaced =
        MatchedOptions.of(
            spec, n -> budget != null ? CASE_STUDY_ONLY.contains(n) : n.startsWith("--budget-"));
    if (!misplaced.isEmpty()) {
      System.err.println(
          "cohort bench pipeline: "
              + String.join(", ", misplaced)
              + (budget != null
                  ? " belong to the study of cases, not to the budget study (--budget)"
                  : " belong to the budget study: give --budget too"));
      return 2;
    }
    if (budget != null) {
      return budgetStudy();
    }
    if (steps <= TrainBench.WARMUP + 1 || reps < 1) {
      System.err.println(
          "cohort bench pipeline: need --steps > " + (TrainBench.WARMUP + 1) + " and --reps >= 1");
      return 2;
    }
    List<PipelineBench.Case> study;
    try {
      study =
          cases == null
              ? PipelineBench.defaultCases()
              : cases.stream().map(PipelineBench.Case::parse).toList();
      for (PipelineBench.Case c : study) {
        if (globalBatch % c.microBatches() != 0) {
          throw new IllegalArgumentException(
              "--global-batch "
                  + globalBatch
                  + " does not split into "
                  + c.microBatches()
                  + " micro-batches ("
                  + c
                  + ")");
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("cohort bench pipeline: " + e.getMessage());
      return 2;
    }
    if (!model.equals("gpt") && !model.equals("gpt-tiny")) {
      System.err.println("cohort bench pipeline: --model must be gpt or gpt-tiny, got " + model);
      return 2;
    }
    new PipelineBench(
            new PipelineBench.Options(model, globalBatch, steps, reps, study, out), System.out)
        .run();
    return 0;
  }

  private int budgetStudy() throws Exception {
    BudgetStudy study;
    try {
      long bytes = ByteSize.parse(budget, "--budget");
      if (budgetSteps < 1 || budgetStages.stream().anyMatch(p -> p < 1)) {
        throw new IllegalArgumentException("--budget-steps and --budget-stages must be >= 1");
      }
      Models.gptConfig("gpt-1x" + budgetWidth); // a width that is not a multiple of 32 fails here
      study = new BudgetStudy(bytes, budgetWidth, 1, 4, budgetStages, budgetSteps, out);
    } catch (IllegalArgumentException e) {
      System.err.println("cohort bench pipeline: " + e.getMessage());
      return 2;
    }
    System.out.println("wrote " + study.run(System.out));
    return 0;
  }
}
