package dev.cohort.lab.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainConfigBuilder;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.StepRecord;
import dev.cohort.train.model.Models;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cohort bench train}: training throughput of Cohort against PyTorch DDP on gloo, same
 * models, data, optimizer (Adam) and per-worker batch, each with the libtorch threads its own
 * launcher gives by default ({@code cohort train}'s: 1 for the small MLP), alternating runs,
 * medians, and where each implementation's step goes. Steps before {@value #WARMUP} are excluded on
 * both sides (JIT and allocator warm-up). {@link TrainBenchReport} writes the results.
 */
public final class TrainBench {
  public static final int WARMUP = 20;

  /** Options: models, process counts, steps per run, repetitions, output folder, the peer. */
  public record Options(
      List<String> models,
      List<Integer> nps,
      int batch,
      int steps,
      int reps,
      Path python,
      Path peerScript,
      Path outDir) {}

  private final Options opt;
  private final PrintStream out;
  private final TrainBenchReport report;
  private RankLauncher peers; // the PyTorch processes, with a log per run

  public TrainBench(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
    this.report = new TrainBenchReport(opt);
  }

  public Path run() throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("cohort-bench-train-");
    peers = new RankLauncher(work.resolve("peer"));
    for (int rep = 0; rep < opt.reps(); rep++) {
      for (String model : opt.models()) {
        for (int np : opt.nps()) {
          Path dir = work.resolve(model + "-np" + np + "-rep" + rep);
          TrainBenchReport.CohortRun c = cohort(run(model, dir).build(), np);
          report.cohort(model, np, c);
          print(model, np, "cohort", c);
          if (opt.python() != null) {
            TrainBenchReport.PeerRun d = ddp(model, np);
            report.peer(model, np, d);
            print(model, np, "pytorch-ddp", d);
          }
        }
      }
      // What overlapping buys: the CNN cut into 4 buckets, reduced while the next is packed or not.
      if (opt.models().contains("cnn") && opt.nps().contains(2)) {
        for (boolean overlap : new boolean[] {true, false}) {
          String label = overlap ? "overlapped" : "sequential";
          TrainConfig cnn =
              run("cnn", work.resolve("overlap-" + label + "-rep" + rep))
                  .bucketBytes(WorkerArgs.bucketBytes(0.45))
                  .overlap(overlap)
                  .build();
          TrainBenchReport.CohortRun r = cohort(cnn, 2);
          report.overlap(label, r);
          print("cnn", 2, "4 buckets, " + label, r);
        }
      }
    }
    return report.write(out);
  }

  private void print(String model, int np, String impl, TrainBenchReport.Run r) {
    out.printf(
        Locale.ROOT,
        "  %-4s %d worker(s) %-24s %,8.0f samples/s  step %.2f ms%n",
        model,
        np,
        impl,
        r.samplesPerSecond(),
        r.stepMs());
  }

  /** A run of {@code model} in {@code dir}: the options' batch and steps, no progress bar. */
  private TrainConfigBuilder run(String model, Path dir) {
    return TrainConfig.builder()
        .model(model)
        .batch(opt.batch())
        .maxSteps(opt.steps())
        .testLimit(500)
        .progress(false)
        .runDir(dir);
  }

  /** {@code cfg} trained by {@code np} workers, timed after the first steps. */
  private TrainBenchReport.CohortRun cohort(TrainConfig cfg, int np)
      throws IOException, InterruptedException {
    Path dir = cfg.runDir();
    Outcome o =
        new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
            .run(
                np,
                WorkerArgs.of(cfg)
                    .command()
                    .withThreads(
                        Math.min(
                            Models.usefulThreads(cfg.model()), JavaCommand.threadsPerWorker(np))),
                dir);
    Breakdown timed = timedSteps(o, dir, "Cohort run");
    return new TrainBenchReport.CohortRun(
        timed.samples() * np / timed.seconds(), timed.perStepMillis());
  }

  /**
   * The timed steps of a finished run.
   *
   * @param what names the run in the error
   * @throws IOException if the run failed, with the launcher's report
   */
  public static Breakdown timedSteps(Outcome o, Path runDir, String what) throws IOException {
    if (o.exitCode() != 0) {
      throw new IOException(what + " failed: " + o.report());
    }
    return timedSteps(runDir);
  }

  /** The steps of a run folder's metrics.csv after the first {@value #WARMUP}, summed. */
  public static Breakdown timedSteps(Path runDir) throws IOException {
    List<StepRecord> all = MetricsCsv.read(runDir.resolve(MetricsCsv.FILE));
    if (all.size() <= WARMUP) {
      throw new IOException(
          runDir
              + " ran "
              + all.size()
              + " steps: timing leaves out the first "
              + WARMUP
              + ", so give it more (more epochs or samples, a smaller batch)");
    }
    Breakdown timed = new Breakdown();
    all.subList(WARMUP, all.size()).forEach(timed::add);
    return timed;
  }

  private TrainBenchReport.PeerRun ddp(String model, int np)
      throws IOException, InterruptedException {
    String threads = Integer.toString(JavaCommand.threadsPerWorker(np));
    JsonNode result =
        peers.run(
            "PyTorch DDP, " + model + ", " + np + " worker(s)",
            np,
            List.of(
                opt.python().toString(),
                opt.peerScript().toString(),
                "{rank}",
                Integer.toString(np),
                "{port}",
                "{out}",
                model,
                Integer.toString(opt.batch()),
                Integer.toString(opt.steps()),
                threads),
            Map.of("OMP_NUM_THREADS", threads),
            600);
    PeerResult peer =
        new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .treeToValue(result, PeerResult.class);
    return new TrainBenchReport.PeerRun(peer.samplesPerSecond(), peer.phases());
  }

  /** What the peer script writes (the fields read here). */
  record PeerResult(
      @JsonProperty("samples_per_second") double samplesPerSecond,
      @JsonProperty("phases_ms") TrainBenchReport.PeerPhases phases) {}
}
