package dev.cohort.cli;

import dev.cohort.lab.bench.OpsBench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort bench ops}: DJL's cost per operation and per pass, against PyTorch's. */
@Command(
    name = "ops",
    mixinStandardHelpOptions = true,
    description =
        "DJL's cost per operation and the models' forward and backward passes, against PyTorch "
            + "on the same graph; writes ops.md and ops.json.")
final class BenchOpsCommand implements Callable<Integer> {
  @Option(
      names = "--reps",
      defaultValue = "3",
      description = "Repetitions (default ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "libtorch threads on both sides (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--batch", defaultValue = "64", description = "Batch (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--no-peer", description = "Skip PyTorch.")
  boolean noPeer;

  @Option(
      names = "--python",
      defaultValue = "/usr/bin/python3",
      description = "Interpreter with python3-torch.")
  Path python;

  @Option(
      names = "--peer-script",
      defaultValue = "bench/peers/torch_ops.py",
      description = "The PyTorch script.")
  Path peerScript;

  @Option(
      names = "--out",
      defaultValue = "docs/benchmarks",
      description = "Output folder (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (reps < 1 || threads < 1 || batch < 1) {
      System.err.println("cohort bench ops: need --reps, --threads and --batch >= 1");
      return 2;
    }
    Path py = noPeer ? null : BenchCommand.peer(python, peerScript);
    new OpsBench(new OpsBench.Options(reps, threads, batch, py, peerScript, out), System.out).run();
    return 0;
  }
}
