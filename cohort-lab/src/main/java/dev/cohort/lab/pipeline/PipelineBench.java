package dev.cohort.lab.pipeline;

import dev.cohort.lab.bench.BenchMath;
import dev.cohort.lab.bench.TrainBench;
import dev.cohort.lab.model.PipelineStepModel;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.pipeline.StagePartition;
import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.ScheduleSimulator;
import dev.cohort.train.pipeline.schedule.Schedules;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains the language model once per case (ranks, schedule, virtual stages, micro-batches) and
 * round, the cases of a round in turn so that a slow spell of this shared host spreads over all of
 * them. The global batch is fixed: m micro-batches of {@code globalBatch / m} sequences. The first
 * stage's rank is timed from its metrics.csv after {@value TrainBench#WARMUP} steps; its waiting in
 * receives, over its step, is the measured bubble. {@link PipelineReport} writes the medians.
 */
public final class PipelineBench {

  /**
   * @param model gpt or gpt-tiny
   * @param globalBatch sequences per step, split into micro-batches
   * @param cases the configurations to run
   */
  public record Options(
      String model, int globalBatch, int steps, int reps, List<Case> cases, Path outDir) {}

  /**
   * One configuration: p ranks of one pipeline, a schedule, v stages per rank, m micro-batches,
   * libtorch threads per rank (0: the cores shared out among the ranks).
   */
  public record Case(int ranks, String schedule, int virtualStages, int microBatches, int threads) {
    /** With the cores shared out among the ranks. */
    public Case(int ranks, String schedule, int virtualStages, int microBatches) {
      this(ranks, schedule, virtualStages, microBatches, 0);
    }

    /** The threads each rank runs. */
    int threadsPerRank() {
      return threads > 0 ? threads : JavaCommand.threadsPerWorker(ranks);
    }

    /**
     * Reads {@code p:schedule:v:m[:threads]}, e.g. {@code 2:1f1b:1:4}.
     *
     * @throws IllegalArgumentException naming the text and the form
     */
    public static Case parse(String text) {
      String[] f = text.strip().split(":");
      try {
        if (f.length == 4 || f.length == 5) {
          Case c =
              new Case(
                  Integer.parseInt(f[0]),
                  f[1],
                  Integer.parseInt(f[2]),
                  Integer.parseInt(f[3]),
                  f.length == 5 ? Integer.parseInt(f[4]) : 0);
          c.plan();
          return c;
        }
      } catch (NumberFormatException e) {
        // the message below says what was expected
      }
      throw new IllegalArgumentException(
          "cannot read the case '"
              + text
              + "': expected ranks:schedule:virtual-stages:micro-batches[:threads],"
              + " e.g. 2:1f1b:1:4");
    }

    /** The schedule, checked. */
    Schedule plan() {
      return Schedules.byName(schedule, ranks, virtualStages, microBatches);
    }

    /** The textbook bubble: (p-1)/(vm+p-1) of the step. */
    double formulaBubble() {
      return (ranks - 1.0) / (virtualStages * microBatches + ranks - 1.0);
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "p=%d %s v=%d m=%d%s",
          ranks,
          schedule,
          virtualStages,
          microBatches,
          threads > 0 ? " threads=" + threads : "");
    }
  }

  /**
   * One run, rank 0's view.
   *
   * @param sequencesPerSecond the pipeline's throughput over the timed steps
   * @param phases rank 0's mean step by phase
   * @param peakMemoryBytes each rank's peak resident memory
   */
  record Run(double sequencesPerSecond, RunSummary.StepTimes phases, List<Long> peakMemoryBytes) {
    double waitingShare() {
      return phases.waiting() / phases.step();
    }
  }

  private final Options opt;
  private final PrintStream out;

  public PipelineBench(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
  }

  /**
   * A transfer between two ranks on one host: the latency of a small shared-memory message and the
   * rings' bandwidth at 1 MiB, as docs/benchmarks/comm.md measured them on the 2-core VM.
   */
  static final double TRANSFER_LATENCY_MS = 0.1;

  static final double TRANSFER_BYTES_PER_MS = 1.43e6;

  /**
   * The default study for a machine: 1 rank at each m with every core (the baseline) and with a
   * pipeline rank's threads (what the step model is calibrated with), then 2 ranks with each
   * schedule and m.
   */
  public static List<Case> defaultCases() {
    List<Case> cases = new ArrayList<>();
    int perRank = JavaCommand.threadsPerWorker(2);
    for (int m : List.of(1, 2, 4, 8)) {
      cases.add(new Case(1, "1f1b", 1, m));
      if (perRank != JavaCommand.threadsPerWorker(1)) {
        cases.add(new Case(1, "1f1b", 1, m, perRank));
      }
    }
    for (String schedule : List.of("gpipe", "1f1b")) {
      for (int m : List.of(1, 2, 4, 8)) {
        cases.add(new Case(2, schedule, 1, m));
      }
    }
    for (int m : List.of(2, 4, 8)) {
      cases.add(new Case(2, "interleaved-1f1b", 2, m));
    }
    return cases;
  }

  /** Runs the study; returns the report it wrote. */
  public Path run() throws IOException, InterruptedException {
    for (Case c : opt.cases()) {
      c.plan(); // a case that cannot be scheduled fails before any run
      if (opt.globalBatch() % c.microBatches() != 0) {
        throw new IllegalArgumentException(
            "the global batch " + opt.globalBatch() + " does not split into " + c);
      }
    }
    Path work = Files.createTempDirectory("cohort-bench-pipeline-");
    Map<Case, List<Run>> runs = new LinkedHashMap<>();
    for (int rep = 0; rep < opt.reps(); rep++) {
      for (Case c : opt.cases()) {
        Run r = run(c, work.resolve("rep" + rep + "-" + runs.size() + "-" + c.ranks()));
        runs.computeIfAbsent(c, x -> new ArrayList<>()).add(r);
        out.printf(
            Locale.ROOT,
            "  round %d/%d, %-28s %7.1f sequences/s, step %6.1f ms, rank 0 waiting %4.1f%%"
                + " (formula %4.1f%%)%n",
            rep + 1,
            opt.reps(),
            c,
            r.sequencesPerSecond(),
            r.phases().step(),
            100 * r.waitingShare(),
            100 * c.formulaBubble());
      }
    }
    Map<Case, ScheduleSimulator.Result> simulated = new LinkedHashMap<>();
    opt.cases().forEach(c -> simulated.put(c, ScheduleSimulator.check(c.plan())));
    return new PipelineReport(opt, runs, simulated, predictions(runs)).write(out);
  }

  /**
   * Each pipelined case's step as {@link PipelineStepModel} predicts it, calibrated with the
   * one-rank run at the same number of micro-batches (cases without one are left out).
   */
  private Map<Case, Double> predictions(Map<Case, List<Run>> runs) {
    GptConfig g = Models.gptConfig(opt.model());
    Map<Case, Double> out = new LinkedHashMap<>();
    for (Case c : runs.keySet()) {
      if (c.ranks() == 1) {
        continue;
      }
      List<Run> base = null; // calibrated at the same m and the same threads per rank
      for (Case a : runs.keySet()) {
        if (a.ranks() == 1
            && a.microBatches() == c.microBatches()
            && a.threadsPerRank() == c.threadsPerRank()) {
          base = runs.get(a);
        }
      }
      if (base == null) {
        continue;
      }
      double fb = BenchMath.median(base.stream().map(r -> r.phases().forwardBackward()).toList());
      double optimizer = BenchMath.median(base.stream().map(r -> r.phases().optimizer()).toList());
      long activationBytes =
          (long) (opt.globalBatch() / c.microBatches()) * g.context() * g.width() * Float.BYTES;
      PipelineStepModel model =
          new PipelineStepModel(
              fb / c.microBatches(),
              optimizer,
              TRANSFER_LATENCY_MS + activationBytes / TRANSFER_BYTES_PER_MS,
              fixedCost(runs, c.threadsPerRank()));
      out.put(c, model.stepMillis(c.plan(), shares(g, c)));
    }
    return out;
  }

  /**
   * The fixed cost of a micro-batch's forward and backward, from the one-rank runs at {@code
   * threads} per rank over the numbers of micro-batches measured (0 with fewer than two).
   */
  private static double fixedCost(Map<Case, List<Run>> runs, int threads) {
    List<double[]> points = new ArrayList<>();
    for (var e : runs.entrySet()) {
      Case a = e.getKey();
      if (a.ranks() == 1 && a.threadsPerRank() == threads) {
        double fb =
            BenchMath.median(e.getValue().stream().map(r -> r.phases().forwardBackward()).toList());
        points.add(new double[] {a.microBatches(), fb});
      }
    }
    if (points.stream().mapToDouble(p -> p[0]).distinct().count() < 2) {
      return 0;
    }
    return PipelineStepModel.fixedCost(
        points.stream().mapToDouble(p -> p[0]).toArray(),
        points.stream().mapToDouble(p -> p[1]).toArray());
  }

  /** Each stage's share of the parameters, as the trainer balances them. */
  private static double[] shares(GptConfig g, Case c) {
    long[] w = g.blockParameters();
    StagePartition p = StagePartition.balanced(w, c.ranks() * c.virtualStages());
    double total = g.parameterCount();
    double[] out = new double[p.stages()];
    for (int s = 0; s < out.length; s++) {
      for (int i = p.start(s); i < p.end(s); i++) {
        out[s] += w[i] / total;
      }
    }
    return out;
  }

  private Run run(Case c, Path dir) throws IOException, InterruptedException {
    TrainConfig cfg =
        TrainConfig.builder()
            .model(opt.model())
            .optimizer("adam")
            .learningRate(0.002f)
            .batch(opt.globalBatch() / c.microBatches())
            .pipeline(c.ranks())
            .schedule(c.schedule())
            .virtualStages(c.virtualStages())
            .microBatches(c.microBatches())
            .maxSteps(opt.steps())
            .testLimit(opt.globalBatch())
            .progress(false)
            .runDir(dir)
            .build();
    Outcome o =
        new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
            .hangTimeout(Duration.ofMinutes(5))
            .run(c.ranks(), WorkerArgs.of(cfg).command().withThreads(c.threadsPerRank()), dir);
    Breakdown timed = TrainBench.timedSteps(o, dir, "pipeline run " + c);
    RunSummary summary = RunSummary.read(dir.resolve(RunSummary.FILE));
    return new Run(
        timed.samples() / timed.seconds(),
        timed.perStepMillis(),
        summary.peakMemoryBytesPerWorker());
  }
}
