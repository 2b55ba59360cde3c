package dev.cohort.cli;

import dev.cohort.lab.calibrate.MachineCalibration;
import dev.cohort.lab.model.GptCompute;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.PipelinePlanner;
import dev.cohort.lab.model.SplitPlanner;
import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.model.Models;
import dev.cohort.train.moe.MoeSettings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code cohort plan} for the language model: data parallelism against pipelines on a number of
 * workers, each option's memory per worker and step, and which to use and why.
 */
final class LanguageModelPlan {
  private LanguageModelPlan() {}

  /**
   * Runs {@code cohort plan} for the language model with {@code c}'s options.
   *
   * @return the exit status
   */
  static int plan(PlanCommand c) {
    long budget;
    try {
      budget = c.memory == null ? 0 : ByteSize.parse(c.memory, "--memory");
      if (c.workers < 1 || c.microBatches < 1 || c.globalBatch < 1) {
        throw new IllegalArgumentException(
            String.format(
                "--workers, --micro-batches and --global-batch must be >= 1, got %d, %d and %d",
                c.workers, c.microBatches, c.globalBatch));
      }
      String invalid = c.invalidNetworkOrNodes();
      if (invalid != null) {
        throw new IllegalArgumentException(invalid);
      }
    } catch (IllegalArgumentException e) {
      System.err.println("cohort plan: " + e.getMessage());
      return 2;
    }
    GptCompute compute;
    MachineCalibration cal;
    try {
      compute =
          CostFiles.readOrNull(
              c.pipelineBench, PlanCommand.DEFAULT_PIPELINE_BENCH, GptCompute::fromBench);
      cal =
          CostFiles.readOrNull(
              c.calibration, PlanCommand.DEFAULT_CALIBRATION, MachineCalibration::read);
    } catch (CostFiles.Unreadable e) {
      System.err.println("cohort plan: " + e.getMessage());
      return e.status;
    }
    compute = compute == null ? GptCompute.DEFAULTS : compute;
    cal = cal == null ? MachineCalibration.DEFAULTS : cal;
    PipelinePlanner planner;
    try {
      planner =
          new PipelinePlanner(
              c.model,
              Models.gptConfig(c.model),
              c.globalBatch,
              c.microBatches,
              cal.optimizerSecondsPerParameter(),
              compute);
    } catch (IllegalArgumentException e) {
      System.err.println("cohort plan: " + e.getMessage());
      return 2;
    }
    NetworkModel net = NetworkModel.of(c.latencyUs, c.bandwidthGbps, cal.reduceGBps());
    String network =
        String.format(Locale.ROOT, "%.0f µs / %.1f Gbit/s network", c.latencyUs, c.bandwidthGbps);
    PlanSplitOptions split = c.split;
    if (split.workersPerHost < 1) {
      System.err.println(
          "cohort plan: --workers-per-host must be >= 1, got " + split.workersPerHost);
      return 2;
    }
    if (split.workersPerHost > 1) {
      network +=
          " between hosts, shared memory within hosts of " + split.workersPerHost + " workers";
    }
    SplitPlanner splits =
        new SplitPlanner(
            c.model,
            planner.model(),
            c.globalBatch,
            cal.optimizerSecondsPerParameter(),
            compute,
            split.workersPerHost);
    if (split.experts > 0) {
      return ExpertPlan.plan(c, planner, splits, budget, net, network);
    }
    if (split.topK != 1
        || split.capacityFactor != MoeSettings.DEFAULT_CAPACITY
        || split.moeBench != null) {
      System.err.println("cohort plan: --top-k, --capacity-factor and --moe-bench need --experts");
      return 2;
    }
    if (planner.options(c.workers, NetworkModel.of(c.latencyUs, c.bandwidthGbps, 0)).isEmpty()) {
      System.err.println(
          "cohort plan: no split of "
              + c.workers
              + " workers divides the global batch "
              + c.globalBatch
              + " into --micro-batches "
              + c.microBatches
              + ": use a --global-batch that is a multiple of --workers x --micro-batches");
      return 2;
    }
    // Pipelines and data parallelism over one host go over shared memory too.
    List<PipelinePlanner.Option> options =
        new ArrayList<>(planner.options(c.workers, splits.link(c.workers, net)));
    List<PipelinePlanner.Option> tensor = splits.tensorOptions(c.workers, net);
    options.addAll(tensor);
    int status = print(planner, options, c.workers, budget, network, System.out);
    if (tensor.isEmpty()) {
      System.out.printf(
          Locale.ROOT,
          "No tensor group is planned: one must stay inside a host (%d workers per host) and"
              + " divide the model's %d heads and the workers.%n",
          splits.workersPerHost(),
          planner.model().heads());
    }
    return status;
  }

  /**
   * Prints the plan.
   *
   * @param budgetBytes memory per worker (0: no budget)
   * @return the exit status: 0, or 1 when no option fits the budget
   */
  static int print(
      PipelinePlanner planner,
      List<PipelinePlanner.Option> options,
      int workers,
      long budgetBytes,
      String network,
      PrintStream out) {
    GptCompute c = planner.compute();
    out.printf(
        Locale.ROOT,
        "Plan: %s (%,d parameters) on %d workers, global batch %d sequences, %s,"
            + " memory per worker %s (compute from %s)%n%n",
        planner.name(),
        planner.model().parameterCount(),
        workers,
        planner.globalBatch(),
        network,
        budgetBytes == 0 ? "unlimited" : ByteSize.format(budgetBytes),
        c.source());
    out.println(
        "strategy                     micro-batches x sequences  memory/worker  fits  step (ms)"
            + "  bubble  communication (ms)");
    for (PipelinePlanner.Option o : options) {
      out.printf(
          Locale.ROOT,
          "%-28s %14d x %-10d %13s  %4s %10.1f %6.0f%% %19.1f%n",
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
    PipelinePlanner.Option data =
        options.stream().filter(o -> o.stages() == 1).findFirst().orElse(null);
    out.printf(
        Locale.ROOT, "Recommendation: %s, %.1f ms per step. ", best.strategy(), best.stepMs());
    if (data == null) {
      out.printf(
          Locale.ROOT,
          "Data parallelism cannot split the global batch of %d sequences over %d workers.%n",
          planner.globalBatch(),
          workers);
    } else if (best.stages() == 1) {
      out.println(
          best.split().equals("experts")
              ? "Every worker holding every expert is fastest here: an expert group's all-to-alls"
                  + " cost more than the smaller all-reduce and update they save."
              : "Data parallelism is fastest here: a pipeline's bubble and transfers, or a tensor"
                  + " group's all-reduces, cost more than the all-reduce of the whole model ("
                  + String.format(Locale.ROOT, "%.1f ms", data.allReduceMs())
                  + ") that they would save.");
    } else if (budgetBytes > 0 && data.memoryBytes() > budgetBytes) {
      out.println(
          "Data parallelism does not fit: each worker would hold "
              + ByteSize.format(data.memoryBytes())
              + "; "
              + switch (best.split()) {
                case "tensor" ->
                    "a tensor group shards every layer's parameters, gradients, optimizer state"
                        + " and activations inside a host.";
                case "experts" ->
                    "an expert group spreads the experts: each worker holds a share of them.";
                default ->
                    "the pipeline divides the parameters, gradients and optimizer state among its"
                        + " stages.";
              });
    } else {
      out.printf(
          Locale.ROOT,
          switch (best.split()) {
            case "tensor" ->
                "A tensor group beats data parallelism (%.1f ms): its all-reduces stay inside a"
                    + " host, over shared memory, and the gradient all-reduce among the replicas"
                    + " shrinks with the shards (the whole model's takes %.1f ms).%n";
            case "experts" ->
                "An expert group beats data parallelism (%.1f ms): each worker updates and"
                    + " averages only its share of the experts (the whole model's all-reduce takes"
                    + " %.1f ms).%n";
            default ->
                "A pipeline beats data parallelism (%.1f ms) on this network: the whole model's"
                    + " all-reduce takes %.1f ms per step, more than the pipeline's bubble and"
                    + " transfers.%n";
          },
          data.stepMs(),
          data.allReduceMs());
    }
    return 0;
  }
}
