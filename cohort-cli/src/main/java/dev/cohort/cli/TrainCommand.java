package dev.cohort.cli;

import dev.cohort.comm.CommException;
import dev.cohort.comm.EnvKeys;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.elastic.ElasticSupervisor;
import dev.cohort.launch.elastic.WorkerRange;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.GptConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cohort train --nproc N}: data-parallel training with N worker processes on this host. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a model on Fashion-MNIST with N worker processes on this host.",
    footer = {
      "",
      "SIGTERM or Ctrl-C stops every worker after the same step, with a final checkpoint when",
      "--checkpoint-every is set; rank 0's last output and summary are shown, and",
      "--resume RUN_DIR continues.",
      "",
      "Exit status: 0 when training finished, or when SIGTERM or Ctrl-C stopped every worker",
      "gracefully; 1 when a worker failed, hung or had to be killed (after the restarts",
      "allowed); 2 for invalid options. A worker whose launcher is killed exits 129."
    })
final class TrainCommand implements Callable<Integer> {
  @Mixin TrainOptions train;

  @Mixin DashboardOptions dashboard;

  @Option(
      names = "--nproc",
      defaultValue = "2",
      description =
          "Worker processes: N, or MIN:MAX to go on with fewer workers when one is lost "
              + "(default ${DEFAULT-VALUE}).")
  String nprocSpec;

  @Option(
      names = "--master-port",
      defaultValue = "0",
      description = "Port of the rendezvous store (default: any free port).")
  int port;

  @Option(names = "--run-dir", description = "Run folder (default runs/<time>-<model>-np<N>).")
  Path runDir;

  @Option(
      names = "--max-restarts",
      defaultValue = "0",
      description =
          "When a worker fails, restart all workers from the newest checkpoint up to N "
              + "times (default ${DEFAULT-VALUE}); use with --checkpoint-every.")
  int maxRestarts;

  @Spec CommandSpec spec;

  private PrintWriter err() {
    return spec.commandLine().getErr();
  }

  @Option(
      names = "--hang-timeout",
      defaultValue = "300",
      description =
          "Seconds without progress after which a worker counts as hung (default "
              + "${DEFAULT-VALUE}; 0: never).")
  long hangTimeout;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description =
          "libtorch threads per worker (default: cores / workers, at least 1; 1 for the small "
              + "MLPs, whose operations are too short to split).")
  int threads;

  @Override
  public Integer call() throws Exception {
    Path dir;
    TrainConfig config;
    ElasticSupervisor supervisor;
    try {
      WorkerRange range = WorkerRange.parse(nprocSpec);
      dir = runDir(range);
      config = train.toConfig(dir); // validates before anything starts
      int stages = config.pipelining().stages();
      if (stages > 1 && range.elastic()) {
        throw new IllegalArgumentException(
            "--nproc "
                + nprocSpec
                + " is elastic, and a pipeline cannot restart on fewer workers: give a fixed"
                + " --nproc, a multiple of --pipeline "
                + stages);
      }
      if (range.max() % stages != 0) {
        throw new IllegalArgumentException(
            "--nproc "
                + nprocSpec
                + " does not make whole pipelines of --pipeline "
                + stages
                + ": use a multiple of "
                + stages);
      }
      if (config.split().active()) {
        if (range.elastic() || maxRestarts > 0) {
          throw new IllegalArgumentException(
              (range.elastic()
                      ? "--nproc " + nprocSpec + " is elastic"
                      : "--max-restarts " + maxRestarts)
                  + ", and split layers cannot restart (they write no checkpoints yet): give a"
                  + " fixed --nproc and no --max-restarts");
        }
        GptConfig g = Models.gptConfig(config.model());
        config.split().check(range.max(), g.heads(), g.width());
      }
      dashboard.check();
      supervisor = new ElasticSupervisor(range, maxRestarts, dir, err());
    } catch (IllegalArgumentException e) {
      err().println("cohort train: " + e.getMessage());
      return 2;
    }
    DashboardOptions.Served served;
    try {
      served = dashboard.start(dir, () -> true, System.out);
    } catch (IOException e) {
      err().println("cohort train: " + e.getMessage());
      return 2;
    }
    try (served) {
      int status =
          supervisor.supervise(
              config.batch(),
              config.checkpointing().resumeFrom(),
              (generation, workers, batch, resume) -> {
                int t =
                    threads > 0
                        ? threads
                        : Math.min(
                            Models.usefulThreads(config.model()),
                            JavaCommand.threadsPerWorker(workers));
                WorkerArgs args =
                    WorkerArgs.of(config.toBuilder().batch(batch).resumeFrom(resume).build())
                        .withDataDir(train.dataDir());
                return new LocalLauncher(System.out)
                    .generation(generation)
                    // How many restarts came before: the run records say why a segment started.
                    .environment(Map.of(EnvKeys.COHORT_RESTART_COUNT, Integer.toString(generation)))
                    .hangTimeout(Duration.ofSeconds(hangTimeout))
                    .store("127.0.0.1", port)
                    .run(workers, args.command().withThreads(t), dir);
              });
      if (LocalLauncher.isShuttingDown()) {
        err()
            .println(
                status == 0
                    ? "cohort train: stopped on request; every worker stopped gracefully. "
                        + "Continue with: cohort train --resume "
                        + dir
                        + " and the same options"
                    : "cohort train: stopped on request; not every worker stopped gracefully");
        err().flush();
      }
      return status;
    } catch (CommException e) {
      err().println("cohort train: " + e.getMessage());
      return 1;
    }
  }

  /** A resumed run goes on in its own folder unless told otherwise. */
  private Path runDir(WorkerRange range) {
    return runDir != null
        ? runDir
        : train.resume != null
            ? train.resume
            : Path.of(
                "runs",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                    + "-"
                    + train.model
                    + "-np"
                    + range.max());
  }
}
