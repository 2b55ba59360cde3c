package dev.cohort.cli;

import dev.cohort.lab.bench.CommBench;
import dev.cohort.lab.bench.TrainBench;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cohort bench}: benchmarks that compare Cohort with its peers. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks.",
    subcommands = {
      BenchCommand.Comm.class,
      BenchCommand.Train.class,
      BenchOpsCommand.class,
      BenchOverlapCommand.class,
      BenchPipelineCommand.class,
      BenchTensorCommand.class,
      BenchMoeCommand.class,
      BenchZeroCommand.class,
      BenchCompressCommand.class
    })
final class BenchCommand implements Runnable {

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /**
   * {@code python} if it can run the peer's {@code script} (the file exists and the interpreter
   * imports torch.distributed); else null, after a warning that the benchmark goes on without its
   * peer.
   */
  static Path peer(Path python, Path script) {
    if (Files.isExecutable(python) && Files.isRegularFile(script) && hasTorch(python)) {
      return python;
    }
    System.err.println(
        "warning: the peer cannot run (need "
            + python
            + " with torch, and "
            + script
            + "); install with: apt-get install python3-torch libopenblas0-openmp. "
            + "Continuing without it.");
    return null;
  }

  private static boolean hasTorch(Path python) {
    try {
      Process p =
          new ProcessBuilder(python.toString(), "-c", "import torch.distributed")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Command(
      name = "comm",
      mixinStandardHelpOptions = true,
      description =
          "All-reduce latency and bandwidth (nccl-tests style) for Cohort's transports "
              + "and algorithms and for PyTorch gloo; writes comm.md and comm.json.")
  static final class Comm implements Callable<Integer> {
    @Option(
        names = "--np",
        split = ",",
        defaultValue = "2,3,4",
        description = "Process counts (default ${DEFAULT-VALUE}).")
    List<Integer> nps;

    @Option(
        names = "--sizes",
        split = ",",
        defaultValue = "4096,16384,65536,262144,1048576,4194304,16777216,67108864",
        description = "Message sizes in bytes, multiples of 4 (default 4 KiB to 64 MiB).")
    List<Long> sizes;

    @Option(
        names = "--reps",
        defaultValue = "3",
        description =
            "Repetitions of the headline runs; medians are reported (default ${DEFAULT-VALUE}).")
    int reps;

    @Option(
        names = "--budget-ms",
        defaultValue = "300",
        description = "Time per size per run (default ${DEFAULT-VALUE} ms).")
    long budgetMs;

    @Option(
        names = "--only",
        split = ",",
        description =
            "Run only these headline configurations: shm, zero-copy, tcp, tcp+aes, gloo "
                + "(default all).")
    List<String> only = List.of();

    @Option(names = "--no-algorithms", description = "Skip the per-algorithm sweep.")
    boolean noAlgorithms;

    @Option(names = "--no-peer", description = "Skip PyTorch gloo.")
    boolean noPeer;

    @Option(
        names = "--python",
        defaultValue = "/usr/bin/python3",
        description = "Interpreter with Debian's python3-torch (default ${DEFAULT-VALUE}).")
    Path python;

    @Option(
        names = "--peer-script",
        defaultValue = "bench/peers/gloo_allreduce.py",
        description = "The gloo benchmark script (default ${DEFAULT-VALUE}).")
    Path peerScript;

    @Option(
        names = "--out",
        defaultValue = "docs/benchmarks",
        description = "Where comm.md and comm.json go (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
      for (long s : sizes) {
        if (s <= 0 || s % 4 != 0 || s > Integer.MAX_VALUE) {
          System.err.println("--sizes: " + s + " is not a positive multiple of 4 below 2 GiB");
          return 2;
        }
      }
      for (int np : nps) {
        if (np < 1 || np > 64) {
          System.err.println("--np: " + np + " is not between 1 and 64");
          return 2;
        }
      }
      if (reps < 1) {
        System.err.println("--reps must be at least 1");
        return 2;
      }
      try {
        CommBench.headline(only, true);
      } catch (IllegalArgumentException e) {
        System.err.println("--only: " + e.getMessage());
        return 2;
      }
      Path py =
          noPeer || (!only.isEmpty() && !only.contains("gloo")) ? null : peer(python, peerScript);
      new CommBench(
              new CommBench.Options(
                  nps, sizes, reps, budgetMs, !noAlgorithms, py, peerScript, out, only),
              System.out)
          .run();
      return 0;
    }
  }

  @Command(
      name = "train",
      mixinStandardHelpOptions = true,
      description =
          "Training throughput with 1 and 2 workers against PyTorch DDP (gloo); writes "
              + "train.md and train.json.")
  static final class Train implements Callable<Integer> {
    @Option(
        names = "--models",
        split = ",",
        defaultValue = "mlp,cnn",
        description = "Models (default ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(
        names = "--np",
        split = ",",
        defaultValue = "1,2",
        description = "Worker counts (default ${DEFAULT-VALUE}).")
    List<Integer> nps;

    @Option(
        names = "--batch",
        defaultValue = "64",
        description = "Batch per worker (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(
        names = "--steps",
        defaultValue = "300",
        description = "Steps per run (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(
        names = "--reps",
        defaultValue = "3",
        description = "Repetitions (default ${DEFAULT-VALUE}).")
    int reps;

    @Mixin DdpPeerOptions peer;

    @Option(
        names = "--out",
        defaultValue = "docs/benchmarks",
        description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
      if (steps <= TrainBench.WARMUP + 10 || reps < 1 || !nps.contains(1)) {
        System.err.println(
            "cohort bench train: need --steps > "
                + (TrainBench.WARMUP + 10)
                + ", --reps >= 1 and 1 among --np (speedups are relative to 1 worker)");
        return 2;
      }
      new TrainBench(
              new TrainBench.Options(
                  models, nps, batch, steps, reps, peer.interpreter(), peer.peerScript, out),
              System.out)
          .run();
      return 0;
    }
  }
}
