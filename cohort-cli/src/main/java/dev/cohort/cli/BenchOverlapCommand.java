package dev.cohort.cli;

import dev.cohort.lab.bench.TrainBench;
import dev.cohort.lab.overlap.OverlapBench;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort bench overlap}: throughput per number of backward segments on a slow link. */
@Command(
    name = "overlap",
    mixinStandardHelpOptions = true,
    description =
        "Throughput with gradients all-reduced during the backward pass (--backward-segments K)"
            + " against after it (K=1), over an emulated link; writes overlap.md and"
            + " overlap.json.")
final class BenchOverlapCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "mlp-wide",
      description = "Model (default ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--np", defaultValue = "2", description = "Workers (default ${DEFAULT-VALUE}).")
  int np;

  @Option(
      names = "--batch",
      defaultValue = "128",
      description = "Batch per worker (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--steps",
      defaultValue = "60",
      description = "Steps per run (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--reps", defaultValue = "3", description = "Rounds (default ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--segments",
      split = ",",
      defaultValue = "1,2,3,4",
      description = "Backward segment counts; 1 is the baseline (default ${DEFAULT-VALUE}).")
  List<Integer> segments;

  @Option(
      names = "--net",
      defaultValue = "rate=1gbit",
      description = "Emulated link, a preset or a spec (default ${DEFAULT-VALUE}).")
  String net;

  @Option(
      names = "--no-namespaces",
      description = "Emulate the link in-process on loopback even where namespaces can be made.")
  boolean noNamespaces;

  @Option(
      names = "--out",
      defaultValue = "docs/benchmarks",
      description = "Output folder (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (steps <= TrainBench.WARMUP + 10 || reps < 1 || !segments.contains(1) || np < 2) {
      System.err.println(
          "cohort bench overlap: need --steps > "
              + (TrainBench.WARMUP + 10)
              + ", --reps >= 1, --np >= 2 and 1 among --segments (the baseline)");
      return 2;
    }
    new OverlapBench(
            new OverlapBench.Options(
                model, np, batch, steps, reps, segments, net, !noNamespaces, out),
            System.out)
        .run();
    return 0;
  }
}
