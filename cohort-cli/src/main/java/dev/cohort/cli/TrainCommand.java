package dev.cohort.cli;

import dev.cohort.cli.launch.LocalLauncher;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cohort train --nproc N}: data-parallel training with N worker processes on this host. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a model on Fashion-MNIST with N worker processes on this host.")
final class TrainCommand implements Callable<Integer> {
  @Mixin
  TrainOptions train;

  @Option(names = "--nproc", defaultValue = "2", description = "Worker processes (default ${DEFAULT-VALUE}).")
  int nproc;

  @Option(names = "--master-port", defaultValue = "0",
      description = "Port of the rendezvous store (default: any free port).")
  int port;

  @Option(names = "--run-dir", description = "Run folder (default runs/<time>-<model>-np<N>).")
  Path runDir;

  @Option(names = "--max-restarts", defaultValue = "0",
      description = "When a worker fails, restart all workers from the newest checkpoint up to N "
          + "times (default ${DEFAULT-VALUE}); use with --checkpoint-every.")
  int maxRestarts;

  @Option(names = "--hang-timeout", defaultValue = "300",
      description = "Seconds without progress after which a worker counts as hung (default "
          + "${DEFAULT-VALUE}; 0: never).")
  long hangTimeout;

  @Option(names = "--threads", defaultValue = "0",
      description = "libtorch threads per worker (default: cores / workers, at least 1).")
  int threads;

  @Override
  public Integer call() throws Exception {
    if (nproc < 1 || nproc > 256) {
      System.err.println("cohort train: --nproc must be between 1 and 256, got " + nproc);
      return 2;
    }
    try {
      train.toConfig(null); // validate before starting anything
    } catch (IllegalArgumentException e) {
      System.err.println("cohort train: " + e.getMessage());
      return 2;
    }
    if (maxRestarts < 0) {
      System.err.println("cohort train: --max-restarts must be >= 0, got " + maxRestarts);
      return 2;
    }
    // A resumed run goes on in its own folder unless told otherwise.
    Path dir = runDir != null ? runDir : train.resume != null ? train.resume
        : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
            + "-" + train.model + "-np" + nproc);
    int t = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / nproc);
    List<String> args = new ArrayList<>(List.of("worker", "--run-dir", dir.toString()));
    args.addAll(train.toArgs());
    for (int attempt = 0; ; attempt++) {
      LocalLauncher.Outcome o;
      try {
        o = new LocalLauncher(System.out).generation(attempt)
            .hangTimeout(java.time.Duration.ofSeconds(hangTimeout))
            .run(nproc, args, dir, "127.0.0.1", port, t, List.of());
      } catch (dev.cohort.comm.CommException e) {
        System.err.println("cohort train: " + e.getMessage());
        return 1;
      }
      if (o.exitCode() == 0) {
        break;
      }
      System.err.println("cohort train: " + o.report());
      if (attempt >= maxRestarts) {
        return 1;
      }
      // Restart the whole world under a new generation, from the newest checkpoint if any.
      boolean haveCheckpoint = !new dev.cohort.checkpoint.CheckpointStore(dir.resolve("checkpoints"), 1)
          .steps().isEmpty();
      if (haveCheckpoint && train.resume == null) {
        args.addAll(List.of("--resume", dir.toString()));
        train.resume = dir;
      }
      System.err.printf("cohort train: restarting all %d workers (restart %d of %d), %s%n", nproc,
          attempt + 1, maxRestarts, haveCheckpoint ? "from the newest checkpoint" : "from scratch "
              + "(no checkpoint yet)");
    }
    return 0;
  }
}
