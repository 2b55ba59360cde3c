package dev.cohort.cli;

import dev.cohort.lab.model.GptCompute;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.PipelinePlanner;
import dev.cohort.train.memory.ByteSize;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code cohort plan} for the language model: data parallelism against pipelines on a number of
 * workers, each option's memory per worker and step, and which to use and why.
 */
final class LanguageModelPlan {
  private LanguageModelPlan() {}

  /**
   * Prints the plan.
   *
   * @param budgetBytes memory per worker (0: no budget)
   * @return the exit status: 0, or 1 when no option fits the budget
   */
  static int print(
      PipelinePlanner planner,
      int workers,
      long budgetBytes,
      NetworkModel net,
      String network,
      PrintStream out) {
    List<PipelinePlanner.Option> options = planner.options(workers, net);
    GptCompute c = planner.compute();
    out.printf(
        Locale.ROOT,
        "Plan: %s (%,d parameters) on %d workers, global batch %d sequences, %s network,"
            + " memory per worker %s (compute from %s)%n%n",
        planner.name(),
        planner.model().parameterCount(),
        workers,
        planner.globalBatch(),
        network,
        budgetBytes == 0 ? "unlimited" : ByteSize.format(budgetBytes),
        c.source());
    out.println(
        "strategy                  micro-batches x sequences  memory/worker  fits  step (ms)"
            + "  bubble  all-reduce (ms)");
    for (PipelinePlanner.Option o : options) {
      out.printf(
          Locale.ROOT,
          "%-25s %14d x %-10d %13s  %4s %10.1f %6.0f%% %16.1f%n",
          o.strategy(),
          o.microBatches(),
          o.rows(),
          ByteSize.format(o.memoryBytes()),
          budgetBytes == 0 || o.memoryBytes() <= budgetBytes ? "yes" : "no",
          o.stepMs(),
          100 * o.bubble(),
          o.allReduceMs());
    }
    out.println();
    PipelinePlanner.Option best = PipelinePlanner.fastestFitting(options, budgetBytes);
    if (best == null) {
      out.println(
          "Recommendation: none fits "
              + ByteSize.format(budgetBytes)
              + " per worker: use more workers (longer pipelines), a smaller model, or more"
              + " memory.");
      return 1;
    }
    PipelinePlanner.Option data = options.get(0); // p = 1 always divides
    out.printf(
        Locale.ROOT, "Recommendation: %s, %.1f ms per step. ", best.strategy(), best.stepMs());
    if (best.stages() == 1) {
      out.println(
          "Data parallelism is fastest here: a pipeline's bubble and transfers cost more than"
              + " the all-reduce of the whole model ("
              + String.format(Locale.ROOT, "%.1f ms", data.allReduceMs())
              + ") that it would save.");
    } else if (budgetBytes > 0 && data.memoryBytes() > budgetBytes) {
      out.println(
          "Data parallelism does not fit: each worker would hold "
              + ByteSize.format(data.memoryBytes())
              + "; the pipeline divides the parameters, gradients and optimizer state among its"
              + " stages.");
    } else {
      out.printf(
          Locale.ROOT,
          "A pipeline beats data parallelism (%.1f ms) on this network: the whole model's"
              + " all-reduce takes %.1f ms per step, more than the pipeline's bubble and"
              + " transfers.%n",
          data.stepMs(),
          data.allReduceMs());
    }
    return 0;
  }
}
