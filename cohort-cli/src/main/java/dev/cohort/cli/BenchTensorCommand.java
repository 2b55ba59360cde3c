package dev.cohort.cli;

import dev.cohort.lab.split.TensorBench;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort bench tensor}: the language model tensor parallel over t workers of this host. */
@Command(
    name = "tensor",
    mixinStandardHelpOptions = true,
    description =
        "The language model whole on one worker and tensor parallel over t workers: throughput,"
            + " the communication share of a step, parameters and memory per worker, and the"
            + " step model's prediction; writes tensor.md and tensor.json.")
final class BenchTensorCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "gpt-4x256",
      description = "The language model (default ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--batch",
      defaultValue = "8",
      description = "Sequences per step (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--steps",
      defaultValue = "30",
      description = "Steps per run (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--reps", defaultValue = "3", description = "Rounds (default ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--tensor",
      split = ",",
      defaultValue = "1,2,4",
      description = "Tensor group sizes, 1 for the whole model (default ${DEFAULT-VALUE}).")
  List<Integer> tensors;

  @Option(
      names = "--out",
      defaultValue = "docs/benchmarks",
      description = "Output folder (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    TensorBench.Options options;
    try {
      options = new TensorBench.Options(model, batch, steps, reps, tensors, out);
    } catch (IllegalArgumentException e) {
      System.err.println("cohort bench tensor: " + e.getMessage());
      return 2;
    }
    System.out.println("wrote " + new TensorBench(options, System.out).run());
    return 0;
  }
}
