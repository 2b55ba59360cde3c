package dev.cohort.lab.pipeline;

import dev.cohort.lab.bench.TrainBench;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.RunSummary;
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

  /** One configuration: p ranks of one pipeline, a schedule, v stages per rank, m micro-batches. */
  public record Case(int ranks, String schedule, int virtualStages, int microBatches) {
    /**
     * Reads {@code p:schedule:v:m}, e.g. {@code 2:1f1b:1:4}.
     *
     * @throws IllegalArgumentException naming the text and the form
     */
    public static Case parse(String text) {
      String[] f = text.strip().split(":");
      try {
        if (f.length == 4) {
          Case c =
              new Case(
                  Integer.parseInt(f[0]), f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]));
          c.plan();
          return c;
        }
      } catch (NumberFormatException e) {
        // the message below says what was expected
      }
      throw new IllegalArgumentException(
          "cannot read the case '"
              + text
              + "': expected ranks:schedule:virtual-stages:micro-batches,"
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
          Locale.ROOT, "p=%d %s v=%d m=%d", ranks, schedule, virtualStages, microBatches);
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

  /** The default study for a machine: 1 rank, then 2 ranks with each schedule and m. */
  public static List<Case> defaultCases() {
    List<Case> cases = new ArrayList<>(List.of(new Case(1, "1f1b", 1, 1)));
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
    return new PipelineReport(opt, runs, simulated).write(out);
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
            .run(
                c.ranks(),
                WorkerArgs.of(cfg).command().withThreads(JavaCommand.threadsPerWorker(c.ranks())),
                dir);
    Breakdown timed = TrainBench.timedSteps(o, dir, "pipeline run " + c);
    RunSummary summary = RunSummary.read(dir.resolve(RunSummary.FILE));
    return new Run(
        timed.samples() / timed.seconds(),
        timed.perStepMillis(),
        summary.peakMemoryBytesPerWorker());
  }
}
