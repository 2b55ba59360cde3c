package dev.cohort.lab.sweep;

import dev.cohort.lab.bench.BenchMath;
import dev.cohort.lab.model.StepTimeModel;
import java.util.Comparator;
import java.util.List;

/**
 * Fits a model's {@link StepTimeModel.Calibration} from five short runs: one worker with one
 * libtorch thread at a small and a large batch (the fixed and per-sample forward/backward cost, and
 * memory per sample), one worker with all cores' threads at the large batch (what a worker alone
 * gets), and two single-thread workers, then twice as many as there are cores, side by side at
 * the large batch each (what sharing the host costs, and how long workers wait for each other).
 */
public final class Calibrations {
  public static final String GROUP = "calibration";

  private Calibrations() {}

  /** The calibration runs for a model whose per-worker batches span [small, large]. */
  public static List<RunSpec> runs(RunSpec base, int small, int large, int cores) {
    int crowd = Math.max(3, 2 * cores);
    return List.of(one(base, 1, small, 1), one(base, 1, large, 1), one(base, 1, large, cores),
        one(base, 2, 2 * large, 1), one(base, crowd, crowd * large, 1));
  }

  private static RunSpec one(RunSpec b, int workers, int globalBatch, int threads) {
    // As long as the runs it predicts: steady-state medians need more than a few dozen steps.
    return new RunSpec(GROUP, b.model(), workers, globalBatch, b.bucketMb(), b.algorithm(), "none",
        b.optimizer(), b.lr(), b.warmup(), b.seed(), b.epochs(), b.maxSteps(),
        b.trainLimit() == 0 ? 0 : Math.max(b.trainLimit(), globalBatch * (b.maxSteps() + 1)),
        b.testLimit(), threads);
  }

  /**
   * @param runs runs of the sweep; the calibration runs of {@code model} are used
   * @throws IllegalArgumentException when the calibration runs are not all there
   */
  public static StepTimeModel.Calibration fit(String model, List<RunResult> runs, int cores) {
    List<RunResult> mine = runs.stream().filter(r -> r.spec().group().equals(GROUP)
        && r.spec().model().equals(model)).toList();
    List<RunResult> one = mine.stream().filter(r -> r.spec().workers() == 1
            && r.spec().threads() == 1)
        .sorted(Comparator.comparingInt(r -> r.spec().globalBatch())).toList();
    RunResult all = mine.stream().filter(r -> r.spec().workers() == 1
        && r.spec().threads() == cores).findFirst().orElse(null);
    RunResult two = mine.stream().filter(r -> r.spec().workers() == 2).findFirst().orElse(null);
    RunResult crowd = mine.stream().filter(r -> r.spec().workers() > 2).findFirst().orElse(null);
    if (one.size() < 2 || all == null || two == null || crowd == null) {
      throw new IllegalArgumentException("calibrating " + model + " needs single-worker runs with "
          + "1 thread at two batch sizes and with " + cores + " threads, and runs of two and of "
          + "more single-thread workers; have " + mine.size() + " calibration runs");
    }
    Measured a = one.get(0).measured();
    Measured b = one.get(one.size() - 1).measured();
    Measured t = two.measured();
    double ba = one.get(0).spec().globalBatch();
    double bb = one.get(one.size() - 1).spec().globalBatch();
    // "Compute" is forward/backward plus the rest of the step outside the named parts (reading
    // the loss, releasing the step's arrays): measured here, it grows with the batch too.
    double perSample = Math.max(0, (work(b) - work(a)) / (bb - ba)) / 1e3;
    double fixed = Math.max(0, work(a) / 1e3 - perSample * ba);
    double perSampleAll = Math.max(0, work(all.measured()) / 1e3 - fixed)
        / all.spec().globalBatch();
    double data = (a.dataMs() / ba + b.dataMs() / bb) / 2 / 1e3;
    double optimizer = BenchMath.median(List.of(a.optimizerMs(), b.optimizerMs(),
        all.measured().optimizerMs())) / 1e3;
    double bytes = a.bucketBytes().stream().mapToDouble(Integer::doubleValue).sum();
    double pack = BenchMath.median(List.of(a.commMs(), b.commMs(), all.measured().commMs()))
        / 1e3 / bytes;
    double computeTwo = (work(t) + t.dataMs()) / (work(b) + b.dataMs());
    double fixedTwo = t.optimizerMs() / b.optimizerMs();
    double waitTwo = t.waitMs() / (work(t) + t.dataMs() + t.optimizerMs());
    Measured k = crowd.measured();
    double computeCrowd = (work(k) + k.dataMs()) / (work(b) + b.dataMs());
    double waitCrowd = k.waitMs() / (work(k) + k.dataMs() + k.optimizerMs());
    double memPerSample = Math.max(0, (b.peakMemoryBytes() - a.peakMemoryBytes()) / (bb - ba));
    double memFixed = a.peakMemoryBytes() - memPerSample * ba;
    return new StepTimeModel.Calibration(model, a.parameters(), fixed, perSample, perSampleAll,
        data, optimizer, pack, computeTwo, fixedTwo, waitTwo, crowd.spec().workers(), computeCrowd,
        waitCrowd, memFixed, memPerSample, cores);
  }

  private static double work(Measured m) {
    return m.computeMs() + m.otherMs();
  }
}
