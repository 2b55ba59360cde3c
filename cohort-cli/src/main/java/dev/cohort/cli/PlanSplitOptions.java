package dev.cohort.cli;

import dev.cohort.train.moe.MoeSettings;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code cohort plan}'s options for tensor and expert parallelism of the language model. */
final class PlanSplitOptions {
  /** Their names: options of the language model's plan only. */
  static final List<String> NAMES =
      List.of("--workers-per-host", "--experts", "--top-k", "--capacity-factor", "--moe-bench");

  /** Where {@code cohort bench moe} writes its measurements; read when present. */
  static final Path DEFAULT_MOE_BENCH = Path.of("docs/benchmarks/moe.json");

  @Option(
      names = "--workers-per-host",
      defaultValue = "1",
      description =
          "The language model: workers on one host, linked by shared memory (default"
              + " ${DEFAULT-VALUE}: every worker a host of its own, linked by the network); a"
              + " tensor group stays inside a host.")
  int workersPerHost;

  @Option(
      names = "--experts",
      defaultValue = "0",
      description =
          "The language model with a mixture of this many experts in every layer (default 0:"
              + " dense): plans expert parallelism instead of pipelines and tensor groups.")
  int experts;

  @Option(
      names = "--top-k",
      defaultValue = "1",
      description = "With --experts: experts per token, 1 or 2 (default ${DEFAULT-VALUE}).")
  int topK;

  @Option(
      names = "--capacity-factor",
      defaultValue = "" + MoeSettings.DEFAULT_CAPACITY,
      description =
          "With --experts: slots per expert over an even share (default ${DEFAULT-VALUE}).")
  double capacityFactor;

  @Option(
      names = "--moe-bench",
      description =
          "With --experts: the MoE's compute over the dense model's from cohort bench moe's"
              + " moe.json (default docs/benchmarks/moe.json when it measured the same model and"
              + " experts, else estimated from floating-point operations).")
  Path moeBench;
}
