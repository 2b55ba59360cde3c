package dev.cohort.train;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.train.data.FashionMnist;
import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.ddp.DistributedTrainer;
import dev.cohort.train.metrics.ConsoleProgress;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.RunRecorder;
import dev.cohort.train.metrics.StepRecord;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One training worker process: loads the data, joins the world, trains, and (on rank 0) writes the
 * run folder and prints the end-of-run table. What {@code cohort worker} runs.
 */
public final class TrainWorker {
  private TrainWorker() {}

  /**
   * Who this process is and where the rendezvous store is.
   *
   * @param source where this came from, e.g. "torchrun variables", "Open MPI", "Slurm"
   */
  public record World(String storeHost, int storePort, int rank, int size, int localRank,
      boolean hostStore, long generation, String source) {}

  /**
   * Runs the worker.
   *
   * @param dumpParameters if not null, each rank writes its final parameters (raw float32,
   *     big-endian) to this path with ".rank{r}" appended, for equivalence checks
   * @return the run summary (on every rank)
   * @throws IOException if the data set is missing, with how to install it
   */
  public static Map<String, Object> run(CommConfig comm, World world, TrainConfig cfg,
      PrintStream out, Path dumpParameters) throws IOException {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    // Load data before joining: a rank without data must fail alone, not hold the others hostage.
    InMemoryDataset train = FashionMnist.load(cfg.dataDir(), true);
    InMemoryDataset test = FashionMnist.load(cfg.dataDir(), false);
    if (cfg.trainLimit() > 0) {
      train = train.head(cfg.trainLimit());
    }
    if (cfg.testLimit() > 0) {
      test = test.head(cfg.testLimit());
    }
    int classes = train.classes();
    try (ProcessGroup pg = ProcessGroups.init(comm, new ProcessGroups.Init(world.storeHost(),
        world.storePort(), world.rank(), world.size(), world.generation(), world.hostStore()))) {
      boolean lead = pg.rank() == 0;
      if (lead) {
        out.println(table("Cohort training", cfg.describe(pg.size())));
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
      Heartbeat heartbeat = world.hostStore() ? null : new Heartbeat(
          dev.cohort.comm.store.TcpStore.connect(world.storeHost(), world.storePort(),
              comm.secret(), comm.timeout(), comm.maxFrameBytes()), world.generation(), world.rank());
      if (heartbeat != null) {
        listeners.add(new RunListener() {
          @Override
          public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
            heartbeat.step(r.step() + 1);
          }
        });
      }
      long t0 = System.nanoTime();
      GracefulStop stop = GracefulStop.install();
      try {
        DistributedTrainer.Result result = new DistributedTrainer(pg, cfg,
            () -> dev.cohort.train.model.Models.byName(cfg.model(), classes), fanOut(listeners),
            stop::requested).train(train, test);
        if (result.stoppedAtStep() > 0 && lead) {
          out.println("stopped on request after step " + result.stoppedAtStep()
              + (cfg.checkpointing().every() > 0 ? ", final checkpoint written" : ""));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<Long> memory = gatherPeakMemory(pg);
        Map<String, Object> summary = summary(cfg, pg.size(), result, seconds, memory);
        if (recorder != null) {
          recorder.writeSummary(summary);
          recorder.close();
        }
        if (lead) {
          out.println(endTable(summary, recorder == null ? null : recorder.dir()));
        }
        if (dumpParameters != null) {
          dump(result.parameters(), Path.of(dumpParameters + ".rank" + pg.rank()));
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

  private static RunListener fanOut(List<RunListener> ls) {
    return new RunListener() {
      @Override
      public void onStart(TrainConfig c, int w, int s, List<Integer> b) {
        ls.forEach(l -> l.onStart(c, w, s, b));
      }

      @Override
      public void onStep(StepRecord r, int i, int n) {
        ls.forEach(l -> l.onStep(r, i, n));
      }

      @Override
      public void onEpoch(int e, double loss, double acc) {
        ls.forEach(l -> l.onEpoch(e, loss, acc));
      }
    };
  }

  private static Map<String, Object> summary(TrainConfig cfg, int workers,
      DistributedTrainer.Result r, double seconds, List<Long> memory) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("config", cfg.describe(workers));
    List<Map<String, Object>> epochs = new ArrayList<>();
    for (int e = 0; e < r.testAccuracy().size(); e++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("epoch", e + 1);
      m.put("train_loss", e < r.trainLoss().size() ? r.trainLoss().get(e) : null);
      m.put("test_accuracy", r.testAccuracy().get(e));
      m.put("train_seconds", r.epochSeconds().get(e));
      epochs.add(m);
    }
    s.put("epochs", epochs);
    s.put("steps", r.steps());
    if (r.stoppedAtStep() > 0) {
      s.put("stopped_on_request_after_step", r.stoppedAtStep());
    }
    s.put("train_seconds", r.breakdown().seconds());
    s.put("wall_seconds", seconds);
    s.put("samples_per_second", r.breakdown().samples() * workers / Math.max(1e-9, r.breakdown().seconds()));
    s.put("step_time_ms", r.breakdown().perStepMillis());
    s.put("peak_memory_bytes_per_worker", memory);
    s.put("final_test_accuracy", r.testAccuracy().isEmpty() ? null
        : r.testAccuracy().get(r.testAccuracy().size() - 1));
    s.put("final_train_accuracy", r.trainAccuracy());
    s.put("shifted_test_accuracy", new java.util.TreeMap<>(r.shiftedAccuracy()));
    if (!r.trainLoss().isEmpty() && !r.testAccuracy().isEmpty()) {
      s.put("final_train_loss", r.trainLoss().get(r.trainLoss().size() - 1));
    }
    if (r.checkpoints() != null && r.checkpoints().count() > 0) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("written", r.checkpoints().count());
      c.put("bytes_each", r.checkpoints().bytesEach());
      c.put("snapshot_ms_mean", r.checkpoints().snapshotMillisMean());
      c.put("background_write_ms_mean", r.checkpoints().writeMillisMean());
      s.put("checkpoints", c);
    }
    return s;
  }

  private static List<Long> gatherPeakMemory(ProcessGroup pg) {
    return java.util.Arrays.stream(pg.allGather(new long[] {peakRssBytes()})).boxed().toList();
  }

  /** Peak resident memory of this process (VmHWM), or -1 where /proc is not available. */
  static long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  private static void dump(float[] params, Path file) throws IOException {
    try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(
        Files.newOutputStream(file)))) {
      for (float f : params) {
        o.writeFloat(f);
      }
    }
  }

  static String table(String title, Map<String, ?> rows) {
    StringBuilder sb = new StringBuilder(title).append('\n');
    rows.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %-24s %s%n", k.replace('_', ' '), v)));
    return sb.toString();
  }

  @SuppressWarnings("unchecked")
  private static String endTable(Map<String, Object> s, Path runDir) {
    Map<String, Object> rows = new LinkedHashMap<>();
    rows.put("test accuracy", String.format(Locale.ROOT, "%.4f", (Double) s.get("final_test_accuracy")));
    rows.put("throughput", String.format(Locale.ROOT, "%,.0f samples/s (all workers)",
        (Double) s.get("samples_per_second")));
    rows.put("training time", String.format(Locale.ROOT, "%.1f s (%d steps)",
        (Double) s.get("train_seconds"), (Integer) s.get("steps")));
    Map<String, Double> ms = (Map<String, Double>) s.get("step_time_ms");
    rows.put("step time", String.format(Locale.ROOT, "%.2f ms = data %.2f + forward/backward %.2f "
        + "+ communication %.2f + waiting %.2f + optimizer %.2f", ms.get("step"), ms.get("data"),
        ms.get("forward_backward"), ms.get("communication"), ms.get("wait"), ms.get("optimizer")));
    List<Long> mem = (List<Long>) s.get("peak_memory_bytes_per_worker");
    rows.put("peak memory per worker", mem.stream().map(b -> (b >> 20) + " MiB").toList());
    if (runDir != null) {
      rows.put("run folder", runDir);
    }
    return table("Run summary", rows);
  }
}
