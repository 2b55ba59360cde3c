package dev.cohort.lab.sweep;

import java.util.List;
import java.util.Map;

/**
 * What one run measured: per-step medians in milliseconds (rank 0, after warm-up steps), overall
 * throughput, accuracy per epoch with the training time at its end, and peak memory.
 */
public record Measured(
    double stepMs,
    double dataMs,
    double computeMs,
    double commMs,
    double waitMs,
    double optimizerMs,
    double samplesPerSecond,
    int steps,
    double trainSeconds,
    List<Double> testAccuracy,
    List<Double> epochSeconds,
    double finalTrainAccuracy,
    Map<String, Double> shiftedAccuracy,
    long peakMemoryBytes,
    List<Integer> bucketBytes,
    double parameters) {

  /** The part of the median step outside the named parts. */
  public double otherMs() {
    return Math.max(0, stepMs - dataMs - computeMs - commMs - waitMs - optimizerMs);
  }

  public double finalTestAccuracy() {
    return testAccuracy.isEmpty() ? Double.NaN : testAccuracy.get(testAccuracy.size() - 1);
  }
}
