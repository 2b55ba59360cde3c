package dev.cohort.lab.split;

import dev.cohort.lab.bench.TrainBench;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.LayerSplit;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RunSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One training run of a benchmark, as its run folder tells it: the steps after {@value
 * TrainBench#WARMUP} timed, the summary and every worker's memory.
 *
 * @param tokensPerSecond characters trained per second over every replica, timed steps only
 * @param phases the mean timed step by phase, rank 0
 * @param summary the run's summary.json
 * @param memory the run's memory.json
 */
record SplitRun(
    double tokensPerSecond, RunSummary.StepTimes phases, RunSummary summary, MemoryReport memory) {

  /**
   * A benchmark's run of the language model: Adam at 0.002, {@code batch} sequences per replica,
   * {@code steps} steps, one batch per replica evaluated ({@code testLimit} windows), no text.
   */
  static TrainConfig config(String model, int batch, int steps, int testLimit, LayerSplit split) {
    return TrainConfig.builder()
        .model(model)
        .optimizer("adam")
        .learningRate(0.002f)
        .batch(batch)
        .maxSteps(steps)
        .testLimit(testLimit)
        .generate(0)
        .split(split)
        .build();
  }

  /** The share of rank 0's step spent in communication. */
  double communicationShare() {
    return phases.communication() / phases.step();
  }

  /**
   * Trains {@code cfg} on {@code workers} processes with {@code threads} libtorch threads each (0:
   * the cores shared out), in {@code dir}.
   *
   * @param replicas how many batches of {@code cfg.batch()} windows a step takes
   * @param context characters per window
   * @throws IOException if the run failed, with the launcher's report
   */
  static SplitRun train(
      TrainConfig cfg, int workers, int threads, int replicas, int context, Path dir, String what)
      throws IOException, InterruptedException {
    TrainConfig run = cfg.toBuilder().runDir(dir).progress(false).build();
    int t = threads > 0 ? threads : JavaCommand.threadsPerWorker(workers);
    Outcome o =
        new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
            .hangTimeout(Duration.ofMinutes(5))
            .run(workers, WorkerArgs.of(run).command().withThreads(t), dir);
    Breakdown timed = TrainBench.timedSteps(o, dir, what);
    return new SplitRun(
        timed.samples() * (double) replicas * context / timed.seconds(),
        timed.perStepMillis(),
        RunSummary.read(dir.resolve(RunSummary.FILE)),
        MemoryReport.read(dir.resolve(MemoryReport.FILE)));
  }
}
