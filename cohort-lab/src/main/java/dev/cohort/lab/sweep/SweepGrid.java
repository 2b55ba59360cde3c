package dev.cohort.lab.sweep;

import dev.cohort.comm.AllReduceAlgorithm;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The configurations a sweep runs. Timing questions (how does a step scale with workers, latency,
 * bandwidth, algorithm, bucket size) use the CNN for a fixed number of steps; accuracy questions
 * (global batch with and without learning-rate scaling, seeds, worker counts at one global batch)
 * use the MLP for whole epochs, where a single core still finishes an epoch in seconds.
 */
public final class SweepGrid {
  /** The learning-rate scaling experiments' reference: SGD with momentum at this batch and rate. */
  static final int REFERENCE_BATCH = 64;

  static final float REFERENCE_LR = 0.01f;

  private SweepGrid() {}

  /**
   * Every question of the report, on up to {@code maxWorkers} workers (about 12 min on 2 cores).
   */
  public static List<RunSpec> standard(int maxWorkers, int cores) {
    List<RunSpec> runs = new ArrayList<>();
    int g = globalBatch(maxWorkers, 120);
    RunSpec cnn =
        new RunSpec(
            "scaling", "cnn", 1, g, 25, "auto", "none", "adam", 0.001f, 0, 42, 1, 30, 8192, 500, 0);
    runs.addAll(Calibrations.runs(cnn, g / maxWorkers, g, cores));
    runs.add(cnn);
    for (String net : List.of("none", "lan", "wan")) {
      for (int n = 2; n <= maxWorkers; n++) {
        if (g % n == 0) {
          runs.add(cnn.with("scaling", n, net));
        }
      }
    }
    for (String lat : List.of("lat=1ms", "lat=5ms", "lat=20ms")) {
      runs.add(cnn.with("latency", 2, lat));
    }
    for (String rate : List.of("rate=1gbit", "rate=200mbit", "rate=50mbit")) {
      runs.add(cnn.with("bandwidth", 2, rate));
    }
    int big = Integer.highestOneBit(maxWorkers);
    if (big > 1) {
      for (String net : List.of("none", "lat=2ms")) {
        for (AllReduceAlgorithm algo : AllReduceAlgorithm.schedules()) {
          runs.add(cnn.with("algorithm", big, net).withComm(algo.configName(), 25, 42));
        }
      }
    }
    for (double mb : List.of(0.05, 0.5)) {
      runs.add(
          cnn.with("bucket", 2, "lat=5ms").withComm(AllReduceAlgorithm.AUTO.configName(), mb, 42));
    }
    runs.addAll(accuracy(maxWorkers, cores));
    return dedupe(runs);
  }

  /**
   * A short sweep for tests: MLP timing on 1 and 2 workers, plain and with 10 ms latency, at
   * per-worker batches the calibration runs (32 and 128) do not have.
   */
  public static List<RunSpec> small(int cores) {
    RunSpec mlp =
        new RunSpec(
            "scaling", "mlp", 1, 96, 25, "auto", "none", "adam", 0.001f, 0, 42, 1, 40, 6000, 200,
            0);
    List<RunSpec> runs = new ArrayList<>(Calibrations.runs(mlp, 32, 128, cores));
    runs.add(mlp);
    runs.add(mlp.with("scaling", 2, "none"));
    runs.add(mlp.with("latency", 2, "lat=10ms"));
    return runs;
  }

  /**
   * Accuracy: SGD with momentum, 3 epochs of the MLP. The global batch grows 32-fold at a fixed
   * learning rate and with the linear scaling rule plus warm-up over half an epoch; then three
   * seeds and the other worker counts at one global batch.
   */
  static List<RunSpec> accuracy(int maxWorkers, int cores) {
    List<RunSpec> runs = new ArrayList<>();
    RunSpec mlp =
        new RunSpec(
            "batch",
            "mlp",
            2,
            REFERENCE_BATCH,
            25,
            "auto",
            "none",
            "sgd",
            REFERENCE_LR,
            0,
            42,
            3,
            0,
            0,
            0,
            0);
    runs.addAll(Calibrations.runs(mlp.withBatch(2048, REFERENCE_LR, 0), 32, 1024, cores));
    for (int gb : List.of(64, 512, 2048)) {
      runs.add(mlp.withBatch(gb, REFERENCE_LR, 0));
      float scaled = REFERENCE_LR * gb / REFERENCE_BATCH;
      runs.add(mlp.withBatch(gb, scaled, Math.max(0, 60_000 / gb / 2)));
    }
    RunSpec mid = mlp.withBatch(512, REFERENCE_LR * 512 / REFERENCE_BATCH, 60_000 / 512 / 2);
    for (int seed : List.of(1, 2)) {
      runs.add(mid.with("seed", 2, "none").withComm("auto", 25, seed));
    }
    runs.add(mid.with("seed", 2, "none"));
    for (int n = 1; n <= maxWorkers; n *= 2) {
      if (n != 2) {
        runs.add(mid.with("workers", n, "none"));
      }
    }
    return runs;
  }

  /** The largest multiple of lcm(1..maxWorkers) not above {@code about}, at least the lcm. */
  static int globalBatch(int maxWorkers, int about) {
    int lcm = 1;
    for (int n = 2; n <= maxWorkers; n++) {
      lcm = lcm * n / gcd(lcm, n);
    }
    return Math.max(lcm, about / lcm * lcm);
  }

  private static int gcd(int a, int b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  private static List<RunSpec> dedupe(List<RunSpec> runs) {
    return List.copyOf(new LinkedHashSet<>(runs));
  }
}
