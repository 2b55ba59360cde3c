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

  @Option(names = "--nproc", defaultValue = "2",
      description = "Worker processes: N, or MIN:MAX to go on with fewer workers when one is lost "
          + "(default ${DEFAULT-VALUE}).")
  String nprocSpec;

  @Option(names = "--master-port", defaultValue = "0",
      description = "Port of the rendezvous store (default: any free port).")
  int port;

  @Option(names = "--run-dir", description = "Run folder (default runs/<time>-<model>-np<N>).")
  Path runDir;

  @Option(names = "--max-restarts", defaultValue = "0",
      description = "When a worker fails, restart all workers from the newest checkpoint up to N "
          + "times (default ${DEFAULT-VALUE}); use with --checkpoint-every.")
  int maxRestarts;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  private java.io.PrintWriter err() {
    return spec.commandLine().getErr();
  }

  @Option(names = "--hang-timeout", defaultValue = "300",
      description = "Seconds without progress after which a worker counts as hung (default "
          + "${DEFAULT-VALUE}; 0: never).")
  long hangTimeout;

  @Option(names = "--threads", defaultValue = "0",
      description = "libtorch threads per worker (default: cores / workers, at least 1).")
  int threads;

  @Override
  public Integer call() throws Exception {
    int min;
    int max;
    try {
      String[] parts = nprocSpec.split(":", 2);
      max = Integer.parseInt(parts[parts.length - 1].strip());
      min = parts.length == 2 ? Integer.parseInt(parts[0].strip()) : max;
    } catch (NumberFormatException e) {
      err().println("cohort train: --nproc must be N or MIN:MAX, got " + nprocSpec);
      return 2;
    }
    if (min < 1 || max > 256 || min > max) {
      err().println("cohort train: --nproc must be between 1 and 256 (MIN <= MAX), got "
          + nprocSpec);
      return 2;
    }
    boolean elastic = min < max || nprocSpec.contains(":");
    try {
      train.toConfig(null); // validate before starting anything
    } catch (IllegalArgumentException e) {
      err().println("cohort train: " + e.getMessage());
      return 2;
    }
    if (maxRestarts < 0) {
      err().println("cohort train: --max-restarts must be >= 0, got " + maxRestarts);
      return 2;
    }
    // A resumed run goes on in its own folder unless told otherwise.
    Path dir = runDir != null ? runDir : train.resume != null ? train.resume
        : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
            + "-" + train.model + "-np" + max);
    int globalBatch = train.batch * max;
    int nproc = max;
    for (int attempt = 0; ; attempt++) {
      int t = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / nproc);
      List<String> args = new ArrayList<>(List.of("worker", "--run-dir", dir.toString()));
      args.addAll(train.toArgs());
      LocalLauncher.Outcome o;
      try {
        o = new LocalLauncher(System.out).generation(attempt)
            .hangTimeout(java.time.Duration.ofSeconds(hangTimeout))
            .run(nproc, args, dir, "127.0.0.1", port, t, List.of());
      } catch (dev.cohort.comm.CommException e) {
        err().println("cohort train: " + e.getMessage());
        return 1;
      }
      if (o.exitCode() == 0) {
        return 0;
      }
      err().println("cohort train: " + o.report());
      if (attempt >= maxRestarts) {
        return 1;
      }
      boolean haveCheckpoint = !new dev.cohort.checkpoint.CheckpointStore(dir.resolve("checkpoints"), 1)
          .steps().isEmpty();
      if (haveCheckpoint) {
        train.resume = dir;
      }
      if (elastic) {
        // MIN:MAX: the lost worker's slot does not come back, as when a node dies. The global
        // batch stays the same (more samples per worker), so the data order and, up to rounding,
        // the trajectory are those of the original world.
        if (nproc - 1 < min) {
          err().printf("cohort train: only %d workers would remain, fewer than the minimum %d; "
              + "stopping. Checkpoints are intact in %s (resume with --resume)%n", nproc - 1, min,
              dir.resolve("checkpoints"));
          return 1;
        }
        nproc--;
        if (globalBatch % nproc != 0) {
          err().printf("cohort train: the global batch %d cannot be split evenly over %d "
              + "workers; stopping. Checkpoints are intact in %s%n", globalBatch, nproc,
              dir.resolve("checkpoints"));
          return 1;
        }
        train.batch = globalBatch / nproc;
      }
      err().printf("cohort train: restarting with %d workers (restart %d of %d), %s%n", nproc,
          attempt + 1, maxRestarts, haveCheckpoint ? "from the newest checkpoint"
              : "from scratch (no checkpoint yet)");
    }
  }
}
