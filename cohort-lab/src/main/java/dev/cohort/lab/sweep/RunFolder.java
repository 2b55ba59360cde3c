package dev.cohort.lab.sweep;

import dev.cohort.lab.bench.BenchMath;
import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.metrics.StepRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/** Reads what a training run left in its folder (metrics.csv, config.json, summary.json). */
public final class RunFolder {
  /** Steps at the start whose times are not typical (JIT, allocator, first collectives). */
  static final int WARMUP_STEPS = 5;

  private RunFolder() {}

  public static Measured read(Path dir) throws IOException {
    Path summaryFile = dir.resolve(RunSummary.FILE);
    if (!Files.exists(summaryFile)) {
      throw new IOException("no summary.json in " + dir + ": the run did not finish");
    }
    RunSummary summary = RunSummary.read(summaryFile);
    EffectiveConfig config = EffectiveConfig.read(dir.resolve(EffectiveConfig.FILE));
    List<StepRecord> rows = MetricsCsv.read(dir.resolve(MetricsCsv.FILE));
    if (rows.isEmpty()) {
      throw new IOException("no steps in " + dir.resolve(MetricsCsv.FILE));
    }
    List<StepRecord> steady = rows.subList(Math.min(WARMUP_STEPS, rows.size() / 4), rows.size());
    List<Double> acc = new ArrayList<>();
    List<Double> secs = new ArrayList<>();
    for (RunSummary.Epoch e : summary.epochs()) {
      acc.add(e.testAccuracy());
      secs.add(e.trainSeconds());
    }
    Map<String, Double> shifted = new TreeMap<>(summary.shiftedTestAccuracy());
    long memory = 0;
    for (long m : summary.peakMemoryBytesPerWorker()) {
      memory = Math.max(memory, m);
    }
    List<Integer> buckets = new ArrayList<>();
    double params = 0;
    for (int b : config.gradientBucketsBytes()) {
      buckets.add(b);
      params += b / 4.0;
    }
    return new Measured(
        median(steady, StepRecord::totalMs),
        median(steady, StepRecord::dataMs),
        median(steady, StepRecord::computeMs),
        median(steady, StepRecord::commMs),
        median(steady, StepRecord::waitMs),
        median(steady, StepRecord::optimizerMs),
        summary.samplesPerSecond(),
        summary.steps(),
        summary.trainSeconds(),
        acc,
        secs,
        summary.finalTrainAccuracy(),
        shifted,
        memory,
        buckets,
        params);
  }

  private static double median(List<StepRecord> steps, ToDoubleFunction<StepRecord> ms) {
    return BenchMath.median(steps.stream().map(ms::applyAsDouble).toList());
  }
}
