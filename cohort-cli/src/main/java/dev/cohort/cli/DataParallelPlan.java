package dev.cohort.cli;

import dev.cohort.lab.calibrate.MachineCalibration;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.Planner;
import dev.cohort.train.memory.ByteSize;
import java.util.List;
import java.util.Locale;

/**
 * {@code cohort plan} for data parallelism of the built-in image models or a model of {@code
 * --params} parameters: each worker count's time, cost, efficiency and memory, with {@code
 * --memory} the lowest ZeRO stage that fits, and a recommendation.
 */
final class DataParallelPlan {
  private DataParallelPlan() {}

  /** Prints the plan; returns the exit status. */
  static int plan(PlanCommand c) {
    // The largest block's parameters: what ZeRO-2 and 3 hold whole at a time. For --params, a
    // quarter of the model (a model of four or more blocks).
    double largestSegment = c.params / 4;
    if (c.model != null) {
      c.params =
          switch (c.model) {
            case "mlp" -> 235_146;
            case "cnn" -> 421_642;
            case "mlp-wide" -> 2_913_290;
            default -> -1;
          };
      largestSegment =
          switch (c.model) {
            case "mlp" -> 200_960;
            case "cnn" -> 401_536;
            default -> 1_049_600;
          };
    }
    if (c.params <= 0 || c.dataset <= 0 || c.epochs < 1 || c.globalBatch < 1 || c.price < 0) {
      System.err.println(
          "cohort plan: give --model mlp|mlp-wide|cnn or --params > 0, and positive "
              + "--dataset, --epochs, --global-batch");
      return 2;
    }
    Planner.Budget budget;
    try {
      budget =
          c.memory == null
              ? null
              : new Planner.Budget(ByteSize.parse(c.memory, "--memory"), largestSegment);
    } catch (IllegalArgumentException e) {
      System.err.println("cohort plan: " + e.getMessage());
      return 2;
    }
    String invalid = c.invalidNetworkOrNodes();
    if (invalid != null) {
      System.err.println("cohort plan: " + invalid);
      return 2;
    }
    // Per-sample compute and per-parameter update costs, measured here or defaults measured once.
    MachineCalibration cal;
    try {
      cal =
          CostFiles.readOrNull(
              c.calibration, PlanCommand.DEFAULT_CALIBRATION, MachineCalibration::read);
    } catch (CostFiles.Unreadable e) {
      System.err.println("cohort plan: " + e.getMessage());
      return e.status;
    }
    String source =
        cal == null
            ? "defaults measured on a 2-core EPYC VM"
            : (c.calibration != null ? c.calibration : PlanCommand.DEFAULT_CALIBRATION).toString();
    cal = cal == null ? MachineCalibration.DEFAULTS : cal;
    double computePerSample = cal.computeSecondsPerSample(c.model != null ? c.model : "cnn");
    double optimizerPerParam = cal.optimizerSecondsPerParameter();
    double reduceGBps = cal.reduceGBps();
    Planner p =
        new Planner(
            c.params,
            c.dataset,
            c.epochs,
            c.globalBatch,
            computePerSample,
            optimizerPerParam,
            600e6,
            3.2e3 * 4,
            c.price);
    List<Planner.Option> options =
        p.options(NetworkModel.of(c.latencyUs, c.bandwidthGbps, reduceGBps), c.nodes, budget);
    if (options.isEmpty()) {
      System.err.println(
          budget == null
              ? "cohort plan: no worker count in --nodes divides the global batch " + c.globalBatch
              : "cohort plan: no worker count in --nodes divides the global batch "
                  + c.globalBatch
                  + " and fits --memory "
                  + c.memory
                  + " with any ZeRO stage: raise the budget or add worker counts");
      return 2;
    }
    System.out.printf(
        Locale.ROOT,
        "Plan: %,.0f parameters, %,.0f samples x %d epochs, global batch %d, "
            + "%.0f µs / %.1f Gbit/s network, %.2f per node-hour (costs from %s)%n%n",
        c.params,
        c.dataset,
        c.epochs,
        c.globalBatch,
        c.latencyUs,
        c.bandwidthGbps,
        c.price,
        source);
    if (budget != null) {
      System.out.printf(
          Locale.ROOT,
          "Memory per worker at most %s (fp32 Adam): each worker count takes the lowest ZeRO stage"
              + " that fits.%n%n",
          ByteSize.format((long) budget.budgetBytes()));
    }
    System.out.println(
        "workers  batch/worker  algorithm           step (ms)  comm (ms)   time (h)     cost  speedup  efficiency  memory/worker  zero");
    for (Planner.Option o : options) {
      System.out.printf(
          Locale.ROOT,
          "%7d  %12d  %-18s %10.2f %10.2f %10.3f %8.2f %8.2fx %10.0f%%  %8.0f MiB  %4d%n",
          o.workers(),
          o.batchPerWorker(),
          o.algorithm(),
          o.stepSeconds() * 1e3,
          o.commSeconds() * 1e3,
          o.hours(),
          o.cost(),
          o.speedup(),
          100 * o.efficiency(),
          o.memoryBytes() / (1 << 20),
          o.zero());
    }
    Planner.Option r = Planner.recommend(options, c.minEfficiency);
    int knee = Planner.diminishingReturnsAt(options);
    System.out.println();
    if (r.workers() == 1) {
      System.out.println(
          "Recommendation: stay local. No worker count is faster at an efficiency of "
              + Math.round(100 * c.minEfficiency)
              + "% or more: communication costs more than it saves.");
    } else {
      System.out.printf(
          Locale.ROOT,
          "Recommendation: %d workers, batch %d per worker, %s all-reduce%s: "
              + "%.2fx faster than 1 worker (%.0f%% efficiency), %.3f h, cost %.2f.%n",
          r.workers(),
          r.batchPerWorker(),
          r.algorithm(),
          r.zero() > 0 ? ", --zero " + r.zero() : "",
          r.speedup(),
          100 * r.efficiency(),
          r.hours(),
          r.cost());
    }
    if (knee == 1) {
      System.out.println(
          "Distributing does not pay on this network: more workers are not "
              + "meaningfully faster than one.");
    } else if (knee > 1) {
      System.out.printf(
          "Returns diminish beyond %d workers: doubling from there gains less than 10%%.%n", knee);
    }
    Planner.Option local = options.get(0);
    if (r.workers() > 1 && local.workers() == 1 && r.cost() > 2 * local.cost()) {
      System.out.printf(
          Locale.ROOT,
          "Hybrid advice: the distributed run costs %.1fx the local one; "
              + "develop and tune locally, distribute only the final long runs.%n",
          r.cost() / local.cost());
    }
    return 0;
  }
}
