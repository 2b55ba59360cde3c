package dev.cohort.cli;

import dev.cohort.lab.calibrate.MachineCalibration;
import dev.cohort.lab.model.GptCompute;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.PipelinePlanner;
import dev.cohort.lab.model.Planner;
import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.model.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort plan}: before renting a cluster, predicts time, cost, efficiency and memory of
 * data-parallel training for 1 to 1024 workers from an α-β model of the network and a measured
 * per-sample compute time, and recommends: stay local, or N workers with which batch and algorithm.
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
          "The language model: memory per worker for parameters, gradients, optimizer state and"
              + " activations, e.g. 2GiB (default: no limit).")
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
    if (model != null && Models.isLanguageModel(model)) {
      return planLanguageModel();
    }
    if (model != null) {
      params =
          switch (model) {
            case "mlp" -> 235_146;
            case "cnn" -> 421_642;
            default -> -1;
          };
    }
    if (params <= 0 || dataset <= 0 || epochs < 1 || globalBatch < 1 || price < 0) {
      System.err.println(
          "cohort plan: give --model mlp|cnn or --params > 0, and positive "
              + "--dataset, --epochs, --global-batch");
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
      cal = readOrNull(calibration, DEFAULT_CALIBRATION, MachineCalibration::read);
    } catch (Unreadable e) {
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
        p.options(NetworkModel.of(latencyUs, bandwidthGbps, reduceGBps), nodes);
    if (options.isEmpty()) {
      System.err.println(
          "cohort plan: no worker count in --nodes divides the global batch " + globalBatch);
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
    System.out.println(
        "workers  batch/worker  algorithm           step (ms)  comm (ms)   time (h)     cost  speedup  efficiency  memory/worker");
    for (Planner.Option o : options) {
      System.out.printf(
          Locale.ROOT,
          "%7d  %12d  %-18s %10.2f %10.2f %10.3f %8.2f %8.2fx %10.0f%%  %8.0f MiB%n",
          o.workers(),
          o.batchPerWorker(),
          o.algorithm(),
          o.stepSeconds() * 1e3,
          o.commSeconds() * 1e3,
          o.hours(),
          o.cost(),
          o.speedup(),
          100 * o.efficiency(),
          o.memoryBytes() / (1 << 20));
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
          "Recommendation: %d workers, batch %d per worker, %s all-reduce: "
              + "%.2fx faster than 1 worker (%.0f%% efficiency), %.3f h, cost %.2f.%n",
          r.workers(),
          r.batchPerWorker(),
          r.algorithm(),
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
  private String invalidNetworkOrNodes() {
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

  /** Data parallelism against pipelines for the language model. */
  private int planLanguageModel() throws Exception {
    long budget;
    try {
      budget = memory == null ? 0 : ByteSize.parse(memory, "--memory");
      if (workers < 1 || microBatches < 1 || globalBatch < 1) {
        throw new IllegalArgumentException(
            "--workers, --micro-batches and --global-batch must be >= 1");
      }
      String invalid = invalidNetworkOrNodes();
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
      compute = readOrNull(pipelineBench, DEFAULT_PIPELINE_BENCH, GptCompute::fromBench);
      cal = readOrNull(calibration, DEFAULT_CALIBRATION, MachineCalibration::read);
    } catch (Unreadable e) {
      System.err.println("cohort plan: " + e.getMessage());
      return e.status;
    }
    compute = compute == null ? GptCompute.DEFAULTS : compute;
    cal = cal == null ? MachineCalibration.DEFAULTS : cal;
    PipelinePlanner planner;
    try {
      planner =
          new PipelinePlanner(
              model,
              Models.gptConfig(model),
              globalBatch,
              microBatches,
              cal.optimizerSecondsPerParameter(),
              compute);
    } catch (IllegalArgumentException e) {
      System.err.println("cohort plan: " + e.getMessage());
      return 2;
    }
    if (planner.options(workers, NetworkModel.of(latencyUs, bandwidthGbps, 0)).isEmpty()) {
      System.err.println(
          "cohort plan: no split of "
              + workers
              + " workers divides the global batch "
              + globalBatch
              + " into --micro-batches "
              + microBatches);
      return 2;
    }
    return LanguageModelPlan.print(
        planner,
        workers,
        budget,
        NetworkModel.of(latencyUs, bandwidthGbps, cal.reduceGBps()),
        String.format(Locale.ROOT, "%.0f µs / %.1f Gbit/s", latencyUs, bandwidthGbps),
        System.out);
  }

  /** Reads a file of measured costs. */
  private interface CostReader<T> {
    T read(Path file) throws IOException;
  }

  /** A file of costs that cannot be used, with the exit status to end with. */
  private static final class Unreadable extends Exception {
    final int status;

    Unreadable(String message, int status) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /**
   * The costs in {@code named} if the user named a file, else in {@code fallback} when it is
   * present; null when neither (the caller's defaults apply).
   *
   * @throws Unreadable with the first line of the reader's message, and status 2 when the named
   *     file does not exist, else 1
   */
  private static <T> T readOrNull(Path named, Path fallback, CostReader<T> reader)
      throws Unreadable {
    Path file = named != null ? named : fallback;
    if (named == null && !Files.exists(file)) {
      return null;
    }
    try {
      return reader.read(file);
    } catch (IOException e) {
      // One line: a JSON parser's message goes on with the position on a second line.
      throw new Unreadable(
          e.getMessage().lines().findFirst().orElse(""),
          named != null && !Files.exists(file) ? 2 : 1);
    }
  }
}
