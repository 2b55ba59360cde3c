package dev.cohort.cli;

import dev.cohort.lab.split.MoeBench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort bench moe}: a mixture of experts against the dense model. */
@Command(
    name = "moe",
    mixinStandardHelpOptions = true,
    description =
        "The language model dense and with a mixture of experts (top-1, the same compute per"
            + " token) on one worker and two: tokens/s, the experts' load over a longer run with"
            + " and without the load-balancing loss, memory in training against inference, and the step model's"
            + " predictions; writes moe.md and moe.json.")
final class BenchMoeCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "gpt-4x256",
      description = "The dense language model (default ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--experts",
      defaultValue = "4",
      description = "Experts per layer, even (default ${DEFAULT-VALUE}).")
  int experts;

  @Option(
      names = "--batch",
      defaultValue = "8",
      description = "Sequences per worker per step (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--steps",
      defaultValue = "30",
      description = "Steps per run (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--reps", defaultValue = "3", description = "Rounds (default ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--balance-steps",
      defaultValue = "200",
      description =
          "Steps of each load-balance run, with and without the balancing loss (default"
              + " ${DEFAULT-VALUE}).")
  int balanceSteps;

  @Option(
      names = "--out",
      defaultValue = "docs/benchmarks",
      description = "Output folder (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    MoeBench.Options options;
    try {
      options = new MoeBench.Options(model, experts, batch, steps, reps, balanceSteps, out);
    } catch (IllegalArgumentException e) {
      System.err.println("cohort bench moe: " + e.getMessage());
      return 2;
    }
    System.out.println("wrote " + new MoeBench(options, System.out).run());
    return 0;
  }
}
