package dev.cohort.cli;

import dev.cohort.lab.bench.TrainBench;
import dev.cohort.lab.compress.CompressBench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort bench compress}: fp16, bf16 and local SGD against float32 on a slow link. */
@Command(
    name = "compress",
    mixinStandardHelpOptions = true,
    description =
        "Throughput, bytes per step and time to a target accuracy with gradients sent as fp16 or"
            + " bf16 and with local SGD, against the float32 all-reduce, over an emulated link;"
            + " writes compress.md and compress.json.")
final class BenchCompressCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "mlp",
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
      names = "--epochs",
      defaultValue = "4",
      description = "Epochs per run (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--train-limit",
      defaultValue = "4096",
      description = "Training samples per epoch (default ${DEFAULT-VALUE}).")
  int trainLimit;

  @Option(names = "--reps", defaultValue = "3", description = "Rounds (default ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--net",
      defaultValue = "lat=20ms,rate=100mbit",
      description = "Emulated link, a preset or a spec (default ${DEFAULT-VALUE}).")
  String net;

  @Option(
      names = "--target",
      defaultValue = "0.75",
      description = "Test accuracy whose training time is compared (default ${DEFAULT-VALUE}).")
  double target;

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
    int steps = epochs * (trainLimit / (batch * Math.max(1, np)));
    int least = TrainBench.WARMUP + 10;
    String wrong =
        np < 2
            ? "--np must be >= 2, got " + np
            : reps < 1
                ? "--reps must be >= 1, got " + reps
                : !(target > 0 && target < 1)
                    ? "--target must be in (0, 1), got " + target
                    : steps <= least
                        ? "--epochs x --train-limit / (--batch x --np) gives "
                            + steps
                            + " steps; need more than "
                            + least
                        : null;
    if (wrong != null) {
      System.err.println("cohort bench compress: " + wrong);
      return 2;
    }
    new CompressBench(
            new CompressBench.Options(
                model, np, batch, epochs, trainLimit, reps, net, !noNamespaces, target, out),
            System.out)
        .run();
    return 0;
  }
}
