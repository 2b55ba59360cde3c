package dev.cohort.cli;

import dev.cohort.lab.calibrate.MachineCalibration;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.Planner;
import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.model.Models;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cohort plan}: before renting a cluster, predicts time, cost, efficiency and memory of
 * data-parallel training for 1 to 1024 workers from an α-β model of the network and a measured
 * per-sample compute time, and recommends: stay local, or N workers with which batch and algorithm.
 * For the language model it compares data parallelism with pipelines ({@link LanguageModelPlan}).
 */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description =
        "Predict time, cost and efficiency of training on 1..1024 workers and recommend one.")
final class PlanCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      description =
          "mlp or cnn (sets --params), or use --params; or the language model (gpt, gpt-tiny,"
              + " gpt-<layers>x<width>): data parallelism against pipelines on --workers.")
  String model;

  @Option(
      names = "--workers",
      defaultValue = "4",
      description = "The language model: workers to spread it over (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--memory",
      description =
          "Memory per worker for parameters, gradients, optimizer state, activations and"
              + " transfer buffers, e.g. 2GiB (default: no limit). The language model's plan"
              + " weighs pipelines against it; data parallelism the ZeRO stages (fp32 Adam): each"
              + " worker count takes the lowest stage that fits.")
  String memory;

  @Option(
      names = "--micro-batches",
      defaultValue = "8",
      description =
          "The language model: micro-batches per pipeline step (default ${DEFAULT-VALUE}).")
  int microBatches;

  @Option(
      names = "--pipeline-bench",
      description =
          "The language model: compute costs from cohort bench pipeline's pipeline.json (default"
              + " docs/benchmarks/pipeline.json when present, else built-in defaults).")
  Path pipelineBench;

  /** Options of the data-parallel plan only. */
  private static final List<String> DATA_PARALLEL_ONLY =
      List.of("--params", "--nodes", "--min-efficiency", "--dataset", "--epochs", "--price");

  /** Options of the language model's plan only. */
  private static final List<String> LANGUAGE_MODEL_ONLY =
      Stream.concat(
              Stream.of("--workers", "--micro-batches", "--pipeline-bench"),
              PlanSplitOptions.NAMES.stream())
          .toList();

  @Mixin PlanSplitOptions split;

  @Spec CommandSpec spec;

  /** Where {@code cohort bench pipeline} writes its measurements; read when present. */
  static final Path DEFAULT_PIPELINE_BENCH = Path.of("docs/benchmarks/pipeline.json");

  @Option(names = "--params", defaultValue = "0", description = "Model parameters.")
  double params;

  @Option(
      names = "--dataset",
      defaultValue = "60000",
      description = "Samples per epoch (default ${DEFAULT-VALUE}).")
  double dataset;

  @Option(
      names = "--epochs",
      defaultValue = "10",
      description = "Epochs (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--global-batch",
      defaultValue = "1024",
      description = "Global batch (default ${DEFAULT-VALUE}).")
  int globalBatch;

  @Option(
      names = "--latency-us",
      defaultValue = "50",
      description = "Network latency in µs (default ${DEFAULT-VALUE}).")
  double latencyUs;

  @Option(
      names = "--bandwidth-gbps",
      defaultValue = "10",
      description = "Link bandwidth in Gbit/s (default ${DEFAULT-VALUE}).")
  double bandwidthGbps;

  @Option(
      names = "--price",
      defaultValue = "1.0",
      description = "Price of one node-hour (default ${DEFAULT-VALUE}).")
  double price;

  @Option(
      names = "--nodes",
      split = ",",
      defaultValue = "1,2,4,8,16,32,64,128,256,512,1024",
      description = "Worker counts to consider (default 1 to 1024).")
  List<Integer> nodes;

  /** Where {@code cohort lab calibrate} writes its measurements; read when present. */
  static final Path DEFAULT_CALIBRATION = Path.of("docs/benchmarks/calibration.json");

  @Option(
      names = "--calibration",
      description =
          "Measured compute and reduction costs from cohort lab calibrate (default "
              + "docs/benchmarks/calibration.json when present, else built-in defaults; a file "
              + "named here must exist).")
  Path calibration;

  @Option(
      names = "--min-efficiency",
      defaultValue = "0.5",
      description = "Smallest scaling efficiency worth paying for (default ${DEFAULT-VALUE}).")
  double minEfficiency;

  @Override
  public Integer call() throws Exception {
    boolean languageModel = model != null && Models.isLanguageModel(model);
    List<String> misplaced =
        MatchedOptions.of(
            spec, (languageModel ? DATA_PARALLEL_ONLY : LANGUAGE_MODEL_ONLY)::contains);
    if (!misplaced.isEmpty()) {
      System.err.println(
          "cohort plan: "
              + String.join(", ", misplaced)
              + (languageModel
                  ? " plan data parallelism of --model mlp|cnn or --params, not the language model"
                  : " plan the language model (--model gpt, gpt-tiny, gpt-<layers>x<width>)"));
      return 2;
    }
    if (languageModel) {
      return LanguageModelPlan.plan(this);
    }
    // The largest block's parameters: what ZeRO-2 and 3 hold whole at a time. For --params, a
    // quarter of the model (a model of four or more blocks).
    double largestSegment = params / 4;
    if (model != null) {
      params =
          switch (model) {
            case "mlp" -> 235_146;
            case "cnn" -> 421_642;
            case "mlp-wide" -> 2_913_290;
            default -> -1;
          };
      largestSegment =
          switch (model) {
            case "mlp" -> 200_960;
            case "cnn" -> 401_536;
            default -> 1_049_600;
          };
    }
    if (params <= 0 || dataset <= 0 || epochs < 1 || globalBatch < 1 || price < 0) {
      System.err.println(
          "cohort plan: give --model mlp|mlp-wide|cnn or --params > 0, and positive "
              + "--dataset, --epochs, --global-batch");
      return 2;
    }
    Planner.Budget budget;
    try {
      budget =
          memory == null
              ? null
              : new Planner.Budget(ByteSize.parse(memory, "--memory"), largestSegment);
    } catch (IllegalArgumentException e) {
      System.err.println("cohort plan: " + e.getMessage());
      return 2;
    }
    String invalid = invalidNetworkOrNodes();
    if (invalid != null) {
      System.err.println("cohort plan: " + invalid);
      return 2;
    }
    // Per-sample compute and per-parameter update costs, measured here or defaults measured once.
    MachineCalibration cal;
    try {
      cal = CostFiles.readOrNull(calibration, DEFAULT_CALIBRATION, MachineCalibration::read);
    } catch (CostFiles.Unreadable e) {
      System.err.println("cohort plan: " + e.getMessage());
      return e.status;
    }
    String source =
        cal == null
            ? "defaults measured on a 2-core EPYC VM"
            : (calibration != null ? calibration : DEFAULT_CALIBRATION).toString();
    cal = cal == null ? MachineCalibration.DEFAULTS : cal;
    double computePerSample = cal.computeSecondsPerSample(model != null ? model : "cnn");
    double optimizerPerParam = cal.optimizerSecondsPerParameter();
    double reduceGBps = cal.reduceGBps();
    Planner p =
        new Planner(
            params,
            dataset,
            epochs,
            globalBatch,
            computePerSample,
            optimizerPerParam,
            600e6,
            3.2e3 * 4,
            price);
    List<Planner.Option> options =
        p.options(NetworkModel.of(latencyUs, bandwidthGbps, reduceGBps), nodes, budget);
    if (options.isEmpty()) {
      System.err.println(
          budget == null
              ? "cohort plan: no worker count in --nodes divides the global batch " + globalBatch
              : "cohort plan: no worker count in --nodes divides the global batch "
                  + globalBatch
                  + " and fits --memory "
                  + memory
                  + " with any ZeRO stage: raise the budget or add worker counts");
      return 2;
    }
    System.out.printf(
        Locale.ROOT,
        "Plan: %,.0f parameters, %,.0f samples x %d epochs, global batch %d, "
            + "%.0f µs / %.1f Gbit/s network, %.2f per node-hour (costs from %s)%n%n",
        params,
        dataset,
        epochs,
        globalBatch,
        latencyUs,
        bandwidthGbps,
        price,
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
    Planner.Option r = Planner.recommend(options, minEfficiency);
    int knee = Planner.diminishingReturnsAt(options);
    System.out.println();
    if (r.workers() == 1) {
      System.out.println(
          "Recommendation: stay local. No worker count is faster at an efficiency of "
              + Math.round(100 * minEfficiency)
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

  /** What is wrong with the network or worker counts asked for, or null when nothing is. */
  String invalidNetworkOrNodes() {
    if (!(latencyUs >= 0) || Double.isInfinite(latencyUs)) {
      return "--latency-us must be >= 0, got " + latencyUs;
    }
    if (!(bandwidthGbps > 0) || Double.isInfinite(bandwidthGbps)) {
      return "--bandwidth-gbps must be > 0 (Gbit/s), got " + bandwidthGbps;
    }
    if (!(minEfficiency > 0 && minEfficiency <= 1)) {
      return "--min-efficiency must be in (0, 1], got " + minEfficiency;
    }
    for (int n : nodes) {
      if (n < 1) {
        return "--nodes must list worker counts >= 1, got " + n;
      }
    }
    return null;
  }
}
