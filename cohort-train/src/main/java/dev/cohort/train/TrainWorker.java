package dev.cohort.train;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.World;
import dev.cohort.comm.store.TcpStore;
import dev.cohort.train.data.FashionMnist;
import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.ddp.DistributedTrainer;
import dev.cohort.train.metrics.ConsoleProgress;
import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.RunRecorder;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.model.Models;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One training worker process: loads the data, joins the world, trains, and (on rank 0) writes the
 * run folder ({@link RunRecorder}) and prints the start and end tables ({@link RunTables}). What
 * {@code cohort worker} runs.
 */
public final class TrainWorker {
  private TrainWorker() {}

  /**
   * Runs the worker.
   *
   * @param dumpParameters if not null, each rank writes its final parameters (raw float32,
   *     big-endian) to this path with ".rank{r}" appended, for equivalence checks
   * @return the run summary (on every rank)
   * @throws IOException if the data set is missing, with how to install it
   */
  public static RunSummary run(
      CommConfig comm, World world, TrainConfig cfg, PrintStream out, Path dumpParameters)
      throws IOException {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    // Load data before joining: a rank without data must fail alone, not hold the others hostage.
    InMemoryDataset train = load(cfg, true);
    InMemoryDataset test = load(cfg, false);
    int classes = train.classes();
    try (ProcessGroup pg =
        ProcessGroups.init(
            comm,
            new ProcessGroups.Init(
                world.storeHost(),
                world.storePort(),
                world.rank(),
                world.size(),
                world.generation(),
                world.hostStore()))) {
      boolean lead = pg.rank() == 0;
      if (lead) {
        out.println(RunTables.start(EffectiveConfig.of(cfg, pg.size())));
      }
      RunRecorder recorder = lead && cfg.runDir() != null ? new RunRecorder(cfg.runDir()) : null;
      List<RunListener> listeners = new ArrayList<>();
      if (lead && cfg.progress()) {
        listeners.add(new ConsoleProgress(out, System.console() != null));
      }
      if (recorder != null) {
        listeners.add(recorder);
      }
      // Heartbeats are for a launcher that hosts the store and watches (cohort train).
      Heartbeat heartbeat =
          world.hostStore()
              ? null
              : new Heartbeat(
                  TcpStore.connect(
                      world.storeHost(),
                      world.storePort(),
                      comm.secret(),
                      comm.timeout(),
                      comm.maxFrameBytes()),
                  world.generation(),
                  world.rank());
      if (heartbeat != null) {
        listeners.add(heartbeat);
      }
      long t0 = System.nanoTime();
      GracefulStop stop = GracefulStop.install();
      try {
        DistributedTrainer.Result result =
            new DistributedTrainer(
                    pg,
                    cfg,
                    () -> Models.byName(cfg.model(), classes),
                    RunListener.all(listeners),
                    stop::requested)
                .train(train, test);
        if (result.stoppedAtStep() > 0 && lead) {
          out.println(
              "stopped on request after step "
                  + result.stoppedAtStep()
                  + (cfg.checkpointing().every() > 0 ? ", final checkpoint written" : ""));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        RunSummary summary =
            RunSummaries.of(cfg, pg.size(), result, seconds, PeakMemory.gather(pg));
        if (recorder != null) {
          recorder.writeSummary(summary);
          recorder.close();
        }
        if (lead) {
          out.println(RunTables.end(summary, recorder == null ? null : recorder.dir()));
        }
        if (dumpParameters != null) {
          ParameterDump.write(result.parameters(), Path.of(dumpParameters + ".rank" + pg.rank()));
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

  /** The training or test set, cut to the configured limit. */
  private static InMemoryDataset load(TrainConfig cfg, boolean training) throws IOException {
    InMemoryDataset data = FashionMnist.load(cfg.dataDir(), training);
    int limit = training ? cfg.trainLimit() : cfg.testLimit();
    return limit > 0 ? data.head(limit) : data;
  }
}
