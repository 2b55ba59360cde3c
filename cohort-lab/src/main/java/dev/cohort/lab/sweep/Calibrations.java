package dev.cohort.lab.sweep;

import dev.cohort.lab.bench.BenchMath;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.StepTimeModel;
import java.util.Comparator;
import java.util.List;

/**
 * Fits a model's {@link StepTimeModel.Calibration} from seven short runs: one worker with one
 * libtorch thread at a small and a large batch (the fixed and per-sample forward/backward cost, and
 * memory per sample), one worker with all cores' threads at the large batch (what a worker alone
 * gets), and two single-thread workers, then twice as many as there are cores, side by side at the
 * small and the large batch each (what sharing the host costs, and how long workers wait for each
 * other).
 */
public final class Calibrations {
  public static final String GROUP = "calibration";

  private Calibrations() {}

  /** The calibration runs for a model whose per-worker batches span [small, large]. */
  public static List<RunSpec> runs(RunSpec base, int small, int large, int cores) {
    int crowd = Math.max(3, 2 * cores);
    return List.of(
        one(base, 1, small, 1),
        one(base, 1, large, 1),
        one(base, 1, large, cores),
        one(base, 2, 2 * small, 1),
        one(base, 2, 2 * large, 1),
        one(base, crowd, crowd * small, 1),
        one(base, crowd, crowd * large, 1));
  }

  private static RunSpec one(RunSpec b, int workers, int globalBatch, int threads) {
    // As long as the runs it predicts: steady-state medians need more than a few dozen steps.
    return new RunSpec(
        GROUP,
        b.model(),
        workers,
        globalBatch,
        b.bucketMb(),
        b.algorithm(),
        "none",
        b.optimizer(),
        b.lr(),
        b.warmup(),
        b.seed(),
        b.epochs(),
        b.maxSteps(),
        b.trainLimit() == 0 ? 0 : Math.max(b.trainLimit(), globalBatch * (b.maxSteps() + 1)),
        b.testLimit(),
        threads);
  }

  /**
   * @param runs runs of the sweep; the calibration runs of {@code model} are used
   * @throws IllegalArgumentException when the calibration runs are not all there
   */
  public static StepTimeModel.Calibration fit(
      String model, List<RunResult> runs, int cores, NetworkModel direct) {
    List<RunResult> mine =
        runs.stream()
            .filter(r -> r.spec().group().equals(GROUP) && r.spec().model().equals(model))
            .toList();
    List<RunResult> one =
        mine.stream()
            .filter(r -> r.spec().workers() == 1 && r.spec().threads() == 1)
            .sorted(Comparator.comparingInt(r -> r.spec().globalBatch()))
            .toList();
    RunResult all =
        mine.stream()
            .filter(r -> r.spec().workers() == 1 && r.spec().threads() == cores)
            .findFirst()
            .orElse(null);
    List<RunResult> shared = mine.stream().filter(r -> r.spec().workers() > 1).toList();
    if (one.size() < 2
        || all == null
        || shared.stream().noneMatch(r -> r.spec().workers() == 2)
        || shared.stream().noneMatch(r -> r.spec().workers() > 2)) {
      throw new IllegalArgumentException(
          "calibrating "
              + model
              + " needs single-worker runs with "
              + "1 thread at two batch sizes and with "
              + cores
              + " threads, and runs of two and of "
              + "more single-thread workers; have "
              + mine.size()
              + " calibration runs");
    }
    Measured a = one.get(0).measured();
    Measured b = one.get(one.size() - 1).measured();
    Measured w = all.measured();
    double ba = one.get(0).spec().globalBatch();
    double bb = one.get(one.size() - 1).spec().globalBatch();
    double perSample = Math.max(0, (b.computeMs() - a.computeMs()) / (bb - ba)) / 1e3;
    double fixed = Math.max(0, a.computeMs() / 1e3 - perSample * ba);
    double perSampleAll = Math.max(0, w.computeMs() / 1e3 - fixed) / all.spec().globalBatch();
    double data = (a.dataMs() / ba + b.dataMs() / bb) / 2 / 1e3;
    double optimizer =
        BenchMath.median(List.of(a.optimizerMs(), b.optimizerMs(), w.optimizerMs())) / 1e3;
    double bytes = a.bucketBytes().stream().mapToDouble(Integer::doubleValue).sum();
    double pack = BenchMath.median(List.of(a.commMs(), b.commMs(), w.commMs())) / 1e3 / bytes;
    StepTimeModel.Alone alone =
        new StepTimeModel.Alone(
            fixed,
            perSample,
            perSampleAll,
            data,
            optimizer,
            pack,
            (a.otherMs() + b.otherMs()) / 2 / 1e3,
            w.otherMs() / 1e3);
    double memPerSample = Math.max(0, (b.peakMemoryBytes() - a.peakMemoryBytes()) / (bb - ba));
    double memFixed = a.peakMemoryBytes() - memPerSample * ba;
    List<StepTimeModel.Sharing> sharing =
        shared.stream()
            .map(
                r ->
                    sharing(r, r.spec().batchPerWorker() == (int) ba ? a : b, pack * bytes, direct))
            .toList();
    return new StepTimeModel.Calibration(
        model, a.parameters(), alone, sharing, memFixed, memPerSample, cores);
  }

  /**
   * What {@code shared} workers cost each, against one single-thread worker at the same batch, and
   * their communication against packing alone plus the {@code direct} path's model (the calibration
   * runs have no emulated network).
   */
  private static StepTimeModel.Sharing sharing(
      RunResult shared, Measured alone, double packSeconds, NetworkModel direct) {
    Measured m = shared.measured();
    RunSpec s = shared.spec();
    double local = m.computeMs() + m.dataMs() + m.optimizerMs() + m.otherMs();
    double modelled =
        packSeconds
            + StepTimeModel.allReduceSeconds(direct, s.algorithm(), s.workers(), m.bucketBytes());
    return new StepTimeModel.Sharing(
        s.workers(),
        s.batchPerWorker(),
        (m.computeMs() + m.dataMs()) / (alone.computeMs() + alone.dataMs()),
        m.optimizerMs() / alone.optimizerMs(),
        m.otherMs() / 1e3,
        m.waitMs() / local,
        m.commMs() / 1e3 / modelled);
  }
}
