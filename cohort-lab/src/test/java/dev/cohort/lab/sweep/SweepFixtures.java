package dev.cohort.lab.sweep;

import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.StepTimeModel;
import dev.cohort.lab.net.PathCalibration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Synthetic sweep runs with known costs, for tests of the fitting and the report. */
public final class SweepFixtures {
  public static final Map<String, NetworkModel> PATHS =
      Map.of(
          PathCalibration.DIRECT, new NetworkModel(100e-6, 1e-9, 0.25e-9),
          PathCalibration.RELAY, new NetworkModel(300e-6, 2e-9, 0.25e-9));
  static final List<Integer> BUCKETS = List.of(1_000_000, 686_568);

  private SweepFixtures() {}

  /** A run whose step is made of the given parts (ms), one epoch per accuracy value. */
  public static RunResult run(
      RunSpec spec,
      double data,
      double compute,
      double comm,
      double wait,
      double optimizer,
      double other,
      List<Double> accuracy) {
    List<Double> seconds = new ArrayList<>();
    for (int e = 0; e < accuracy.size(); e++) {
      seconds.add(10.0 * (e + 1) / spec.workers());
    }
    double step = data + compute + comm + wait + optimizer + other;
    Measured m =
        new Measured(
            step,
            data,
            compute,
            comm,
            wait,
            optimizer,
            spec.globalBatch() / step * 1e3,
            30,
            step * 30 / 1e3,
            accuracy,
            seconds,
            accuracy.isEmpty() ? Double.NaN : accuracy.get(accuracy.size() - 1) + 0.02,
            Map.of("noise", 0.6, "rotation", 0.5, "contrast", 0.7),
            600L << 20,
            BUCKETS,
            BUCKETS.stream().mapToInt(i -> i).sum() / 4.0);
    String method =
        spec.network().startsWith("lat") || spec.network().equals("wan")
            ? "network namespaces + veth + user-space delay relay"
            : "network namespaces + veth";
    return new RunResult(spec, method, m, null, List.of(step));
  }

  /** The calibration of a model with 1 ms fixed and 0.5 ms per sample on one thread. */
  public static List<RunResult> calibration(RunSpec base) {
    List<RunSpec> specs = Calibrations.runs(base, 30, 120, 2);
    NetworkModel direct = PATHS.get(PathCalibration.DIRECT);
    // Communication exactly as packing alone (0.4 ms) plus the direct path's model says.
    double two = 0.4 + 1e3 * StepTimeModel.allReduceSeconds(direct, "auto", 2, BUCKETS);
    double four = 0.4 + 1e3 * StepTimeModel.allReduceSeconds(direct, "auto", 4, BUCKETS);
    return List.of(
        run(specs.get(0), 0.3, 1 + 0.5 * 30, 0.4, 0, 2, 0, List.of(0.6)),
        run(specs.get(1), 1.2, 1 + 0.5 * 120, 0.4, 0, 2, 0, List.of(0.7)),
        run(specs.get(2), 1.2, 1 + 0.3 * 120, 0.4, 0, 2, 0, List.of(0.7)),
        // Two workers side by side: forward/backward 1.5x slower, the optimizer 2x, 10% waiting;
        // 0.5 ms overhead at the small batch, 1 ms at the large one.
        run(specs.get(3), 0.45, 1.5 * 16, two, 0.1 * (0.45 + 24 + 4 + 0.5), 4, 0.5, List.of(0.7)),
        run(specs.get(4), 1.8, 1.5 * 61, two, 0.1 * (1.8 + 91.5 + 4 + 1), 4, 1, List.of(0.72)),
        // Four workers on two cores: 3x slower, 20% waiting, 2 ms overhead.
        run(specs.get(5), 0.9, 3 * 16, four, 0.2 * (0.9 + 48 + 4 + 2), 4, 2, List.of(0.7)),
        run(specs.get(6), 3.6, 3 * 61, four, 0.2 * (3.6 + 183 + 4 + 2), 4, 2, List.of(0.72)));
  }

  /** A little of every group the report plots. */
  public static List<RunResult> sweep() {
    RunSpec cnn =
        new RunSpec(
            "scaling", "cnn", 1, 120, 25, "auto", "none", "adam", 0.001f, 0, 42, 1, 30, 8192, 500,
            0);
    List<RunResult> runs = new ArrayList<>(calibration(cnn));
    runs.add(run(cnn, 0.6, 40, 0.4, 0, 2, 0.5, List.of(0.74)));
    runs.add(run(cnn.with("scaling", 2, "none"), 0.9, 46, 3, 5, 4, 1, List.of(0.74)));
    runs.add(run(cnn.with("scaling", 2, "lan"), 0.9, 46, 6, 5, 4, 1, List.of(0.74)));
    runs.add(run(cnn.with("latency", 2, "lat=5ms"), 0.9, 46, 14, 5, 4, 1, List.of(0.74)));
    runs.add(run(cnn.with("bandwidth", 2, "rate=200mbit"), 0.9, 46, 70, 5, 4, 1, List.of(0.74)));
    runs.add(run(cnn.with("bandwidth", 2, "rate=50mbit"), 0.9, 46, 270, 5, 4, 1, List.of(0.74)));
    runs.add(
        run(
            cnn.with("algorithm", 2, "none").withComm("ring", 25, 42),
            0.9,
            46,
            3,
            5,
            4,
            1,
            List.of(0.74)));
    runs.add(
        run(
            cnn.with("algorithm", 2, "none").withComm("recursive-doubling", 25, 42),
            0.9,
            46,
            4,
            5,
            4,
            1,
            List.of(0.74)));
    runs.add(
        run(
            cnn.with("bucket", 2, "lat=5ms").withComm("auto", 0.5, 42),
            0.9,
            46,
            24,
            5,
            4,
            1,
            List.of(0.74)));
    RunSpec mlp =
        new RunSpec("batch", "mlp", 2, 64, 25, "auto", "none", "sgd", 0.01f, 0, 42, 3, 0, 0, 0, 0);
    runs.addAll(calibration(mlp));
    runs.add(run(mlp, 0.1, 2, 1, 0.3, 0.7, 0.2, List.of(0.80, 0.83, 0.85)));
    runs.add(
        run(mlp.withBatch(512, 0.08f, 58), 0.3, 6, 1, 0.3, 0.7, 0.2, List.of(0.78, 0.82, 0.84)));
    runs.add(
        run(mlp.withBatch(512, 0.01f, 0), 0.3, 6, 1, 0.3, 0.7, 0.2, List.of(0.70, 0.75, 0.78)));
    RunSpec mid = mlp.withBatch(512, 0.08f, 58);
    runs.add(
        run(
            mid.with("seed", 2, "none").withComm("auto", 25, 1),
            0.3,
            6,
            1,
            0.3,
            0.7,
            0.2,
            List.of(0.78, 0.82, 0.845)));
    runs.add(run(mid.with("seed", 2, "none"), 0.3, 6, 1, 0.3, 0.7, 0.2, List.of(0.78, 0.82, 0.84)));
    runs.add(
        run(mid.with("workers", 1, "none"), 0.5, 10, 0.3, 0, 0.7, 0.2, List.of(0.78, 0.82, 0.842)));
    return runs;
  }
}
