package dev.cohort.cli;

import dev.cohort.lab.bench.TrainBench;
import dev.cohort.lab.zero.ZeroBench;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cohort bench zero}: speed, memory and traffic of each ZeRO stage, against PyTorch. */
@Command(
    name = "zero",
    mixinStandardHelpOptions = true,
    description =
        "Throughput, memory per worker and bytes sent per step of each ZeRO stage against plain"
            + " data parallelism, PyTorch DDP and PyTorch's ZeroRedundancyOptimizer; writes"
            + " zero.md and zero.json.")
final class BenchZeroCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "mlp-wide",
      description = "Model (default ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--np", defaultValue = "2", description = "Workers (default ${DEFAULT-VALUE}).")
  int np;

  @Option(
      names = "--batch",
      defaultValue = "64",
      description = "Batch per worker (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--steps",
      defaultValue = "80",
      description = "Steps per run (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--reps", defaultValue = "3", description = "Rounds (default ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--stages",
      split = ",",
      defaultValue = "0,1,2,3",
      description = "ZeRO stages; 0 is the baseline (default ${DEFAULT-VALUE}).")
  List<Integer> stages;

  @Mixin DdpPeerOptions peer;

  @Option(
      names = "--out",
      defaultValue = "docs/benchmarks",
      description = "Output folder (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (steps <= TrainBench.WARMUP + 10
        || reps < 1
        || np < 2
        || !stages.contains(0)
        || stages.stream().anyMatch(s -> s < 0 || s > 3)) {
      System.err.println(
          "cohort bench zero: need --steps > "
              + (TrainBench.WARMUP + 10)
              + ", --reps >= 1, --np >= 2, and --stages among 0,1,2,3 with 0 (the baseline)");
      return 2;
    }
    new ZeroBench(
            new ZeroBench.Options(
                model, np, batch, steps, reps, stages, peer.interpreter(), peer.peerScript, out),
            System.out)
        .run();
    return 0;
  }
}
