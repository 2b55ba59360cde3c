package dev.cohort.lab.sweep;

import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.StepTimeModel;
import dev.cohort.lab.net.NetworkCondition;
import dev.cohort.lab.net.PathCalibration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calibrates the step-time model from each model's single-worker runs and predicts every run of the
 * sweep with it, so the report can set prediction against measurement.
 */
public final class Predictions {
  private Predictions() {}

  /** The calibrations fitted, by model name, and the runs with their predictions. */
  public record Predicted(
      Map<String, StepTimeModel.Calibration> calibrations, List<RunResult> runs) {}

  /**
   * @param paths α-β-γ of each way workers can be connected ({@link PathCalibration#DIRECT}, {@link
   *     PathCalibration#RELAY}); each run is predicted with the one it took
   */
  public static Predicted apply(List<RunResult> runs, Map<String, NetworkModel> paths, int cores) {
    Map<String, StepTimeModel.Calibration> cals = new LinkedHashMap<>();
    for (RunResult r : runs) {
      String model = r.spec().model();
      if (!cals.containsKey(model)) {
        cals.put(model, Calibrations.fit(model, runs, cores, paths.get(PathCalibration.DIRECT)));
      }
    }
    List<RunResult> out = new ArrayList<>();
    for (RunResult r : runs) {
      NetworkModel path = paths.get(PathCalibration.pathOf(r.method()));
      if (path == null) {
        throw new IllegalArgumentException(
            "no calibration of the network path of " + r.spec().id());
      }
      StepTimeModel m = new StepTimeModel(cals.get(r.spec().model()), path);
      NetworkCondition c = NetworkCondition.parse(r.spec().network());
      // Jitter delays a message by half its range on average.
      double latency = (c.latencyMs() + c.jitterMs() / 2) / 1e3;
      int threads =
          r.spec().threads() > 0 ? r.spec().threads() : Math.max(1, cores / r.spec().workers());
      out.add(
          r.withPrediction(
              m.predict(
                  r.spec().workers(),
                  threads,
                  r.spec().batchPerWorker(),
                  r.spec().algorithm(),
                  r.measured().bucketBytes(),
                  latency,
                  c.bytesPerSecond())));
    }
    return new Predicted(cals, out);
  }

  /**
   * The runs that test the model: not calibration runs, and not runs whose configuration one of the
   * calibration runs already had (same model, workers, per-worker batch, threads, network,
   * algorithm, buckets, optimizer), which the model was in effect fitted to.
   */
  public static List<RunResult> validation(List<RunResult> runs, int cores) {
    List<List<Object>> calibrated =
        runs.stream()
            .filter(r -> r.spec().group().equals(Calibrations.GROUP))
            .map(r -> key(r, cores))
            .toList();
    return runs.stream()
        .filter(
            r ->
                r.predicted() != null
                    && !r.spec().group().equals(Calibrations.GROUP)
                    && !calibrated.contains(key(r, cores)))
        .toList();
  }

  /** Prediction errors (|predicted / measured - 1|) of the {@link #validation} runs. */
  public static List<Double> errors(List<RunResult> runs, int cores) {
    return validation(runs, cores).stream().map(r -> Math.abs(r.predictionError())).toList();
  }

  private static List<Object> key(RunResult r, int cores) {
    RunSpec s = r.spec();
    int threads = s.threads() > 0 ? s.threads() : Math.max(1, cores / s.workers());
    return List.of(
        s.model(),
        s.workers(),
        s.batchPerWorker(),
        threads,
        s.network(),
        s.algorithm(),
        s.bucketMb(),
        s.optimizer());
  }
}
