package dev.cohort.train;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.Env;
import dev.cohort.comm.LauncherWatch;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.World;
import dev.cohort.comm.store.TcpStore;
import dev.cohort.train.data.FashionMnist;
import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.data.text.Fortunes;
import dev.cohort.train.data.text.TextCorpus;
import dev.cohort.train.ddp.DistributedTrainer;
import dev.cohort.train.ddp.SegmentedBackward;
import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.RankLog;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.model.Models;
import dev.cohort.train.pipeline.LanguageModelRun;
import dev.cohort.train.split.SplitTrainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One training worker process: loads the data, joins the world, trains (the trainer writes rank 0's
 * run folder, final model included), publishes heartbeats to a launcher that watches, exits when
 * that launcher is gone ({@link LauncherWatch}), and prints the start and end tables ({@link
 * RunTables}). What {@code cohort worker} runs.
 */
public final class TrainWorker {
  private TrainWorker() {}

  /**
   * What one worker trains.
   *
   * @param config the training run (its model name picks a built-in model, {@link Models})
   * @param dataDir folder with the Fashion-MNIST IDX files, or the fortunes for the language model
   * @param dumpParameters if not null, each rank writes its final model state (parameters and
   *     buffers, raw float32, big-endian) to this path with ".rank{r}" appended, for equivalence
   *     checks
   */
  public record Job(TrainConfig config, Path dataDir, Path dumpParameters) {
    /** The default data (Fashion-MNIST, or fortunes for the language model), no dump. */
    public static Job of(TrainConfig config) {
      return new Job(
          config,
          Models.isLanguageModel(config.model()) ? Fortunes.DEFAULT_DIR : FashionMnist.DEFAULT_DIR,
          null);
    }
  }

  /**
   * Runs the worker.
   *
   * @return the run summary (on every rank)
   * @throws IOException if the data set is missing, with how to install it
   */
  public static RunSummary run(CommConfig comm, World world, Job job, PrintStream out)
      throws IOException {
    // From the start: a worker still loading data or joining must not outlive its launcher either.
    Optional<LauncherWatch> launcher = LauncherWatch.fromEnvironment(Env.system());
    try {
      return train(comm, world, job, out);
    } finally {
      launcher.ifPresent(LauncherWatch::close);
    }
  }

  private static RunSummary train(CommConfig comm, World world, Job job, PrintStream out)
      throws IOException {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (Models.isLanguageModel(job.config().model())) {
      return trainLanguageModel(comm, world, job, out);
    }
    TrainConfig cfg = job.config();
    // Load data before joining: a rank without data must fail alone, not hold the others hostage.
    InMemoryDataset train = FashionMnist.load(job.dataDir(), true);
    InMemoryDataset test = FashionMnist.load(job.dataDir(), false);
    int classes = train.classes();
    // An unknown name, or segments the model cannot be cut into, fail here, before the world forms.
    SegmentedBackward.check(Models.byName(cfg.model(), classes), cfg.backwardSegments());
    try (ProcessGroup pg = join(comm, world)) {
      boolean lead = pg.rank() == 0;
      if (lead) {
        out.println(RunTables.start(EffectiveConfig.of(cfg, pg.size(), train.description())));
      }
      Heartbeat heartbeat = heartbeat(comm, world);
      List<RunListener> listeners = listeners(heartbeat, pg, out);
      GracefulStop stop = GracefulStop.install();
      try (DistributedTrainer.Result result =
          DistributedTrainer.builder(pg)
              .config(cfg)
              .model(() -> Models.byName(cfg.model(), classes))
              .listener(RunListener.all(listeners))
              .stopWhen(stop::requested)
              .build()
              .train(train, test)) {
        if (!lead) {
          out.println(
              "rank "
                  + pg.rank()
                  + (result.stoppedAtStep() > 0 ? ": stopped on request" : ": finished")
                  + " after step "
                  + result.steps());
        }
        if (result.stoppedAtStep() > 0 && lead) {
          out.println(
              "stopped on request after step "
                  + result.stoppedAtStep()
                  + (cfg.checkpointing().every() > 0 ? ", final checkpoint written" : ""));
        }
        RunSummary summary = result.summary();
        if (lead) {
          out.println(RunTables.end(summary, cfg.runDir()));
        }
        if (job.dumpParameters() != null) {
          ParameterDump.write(
              result.model().flatState(), Path.of(job.dumpParameters() + ".rank" + pg.rank()));
        }
        return summary;
      } finally {
        if (heartbeat != null) {
          heartbeat.close();
        }
        stop.finished(); // only now may a JVM that got SIGTERM exit: the outputs are written
      }
    }
  }

  private static ProcessGroup join(CommConfig comm, World world) {
    return ProcessGroups.init(
        comm,
        new ProcessGroups.Init(
            world.storeHost(),
            world.storePort(),
            world.rank(),
            world.size(),
            world.generation(),
            world.hostStore()));
  }

  /** Heartbeats, for a launcher that hosts the store and watches (cohort train); else null. */
  private static Heartbeat heartbeat(CommConfig comm, World world) {
    return world.hostStore()
        ? null
        : new Heartbeat(
            TcpStore.to(world.storeHost(), world.storePort())
                .secret(comm.secret())
                .timeout(comm.timeout())
                .maxFrameBytes(comm.maxFrameBytes())
                .encryption(comm.encryption())
                .job(world.job())
                .connect(),
            world.generation(),
            world.rank());
  }

  private static List<RunListener> listeners(
      Heartbeat heartbeat, ProcessGroup pg, PrintStream out) {
    List<RunListener> listeners = new ArrayList<>();
    if (heartbeat != null) {
      listeners.add(heartbeat);
    }
    listeners.add(new RankLog(out, pg.rank()));
    return listeners;
  }

  /** The language model: text instead of images, pipeline stages, a checkpoint per stage. */
  private static RunSummary trainLanguageModel(
      CommConfig comm, World world, Job job, PrintStream out) throws IOException {
    TrainConfig cfg = job.config();
    TextCorpus corpus = Fortunes.load(job.dataDir()); // before joining, as for images
    try (ProcessGroup pg = join(comm, world)) {
      boolean lead = pg.rank() == 0;
      if (lead) {
        out.println(RunTables.start(EffectiveConfig.of(cfg, pg.size(), corpus.description())));
      }
      Heartbeat heartbeat = heartbeat(comm, world);
      GracefulStop stop = GracefulStop.install();
      try {
        RunSummary summary =
            cfg.split().active()
                ? LanguageModelRun.train(
                    pg,
                    cfg,
                    corpus,
                    RunListener.all(listeners(heartbeat, pg, out)),
                    out,
                    events -> new SplitTrainer(pg, cfg, events, out, stop::requested).train(corpus))
                : LanguageModelRun.train(
                    pg,
                    cfg,
                    corpus,
                    RunListener.all(listeners(heartbeat, pg, out)),
                    out,
                    stop::requested);
        Integer stopped = summary.stoppedOnRequestAfterStep();
        if (lead) {
          if (stopped != null) {
            out.println(
                "stopped on request after step "
                    + stopped
                    + (cfg.checkpointing().every() > 0 ? ", final checkpoint written" : ""));
          }
          out.println(RunTables.end(summary, cfg.runDir()));
        } else {
          out.println(
              "rank "
                  + pg.rank()
                  + (stopped != null ? ": stopped on request" : ": finished")
                  + " after step "
                  + summary.steps());
        }
        return summary;
      } finally {
        if (heartbeat != null) {
          heartbeat.close();
        }
        stop.finished(); // only now may a JVM that got SIGTERM exit: the outputs are written
      }
    }
  }
}
