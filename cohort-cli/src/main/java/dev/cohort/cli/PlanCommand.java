package dev.cohort.cli;

import dev.cohort.train.model.Models;
import java.nio.file.Path;
import java.util.List;
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

  @Option(
      names = "--params",
      defaultValue = "0",
      description =
          "Model parameters (with --memory, its largest block is taken to hold a quarter of"
              + " them).")
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
    return DataParallelPlan.plan(this);
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
