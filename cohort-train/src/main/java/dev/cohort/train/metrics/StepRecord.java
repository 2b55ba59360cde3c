package dev.cohort.train.metrics;

/**
 * Where one optimizer step's time went on one rank, in nanoseconds: building the batch (data),
 * forward and backward passes, communication (packing and all-reducing gradients, less the time
 * spent stalled on slower ranks), waiting for the slowest rank, and the optimizer update. One line
 * of {@link MetricsCsv}.
 */
public record StepRecord(
    int step,
    int epoch,
    float loss,
    int samples,
    long dataNanos,
    long computeNanos,
    long commNanos,
    long waitNanos,
    long optimizerNanos,
    long totalNanos) {

  public double dataMs() {
    return dataNanos / 1e6;
  }

  /** Forward and backward passes. */
  public double computeMs() {
    return computeNanos / 1e6;
  }

  public double commMs() {
    return commNanos / 1e6;
  }

  public double waitMs() {
    return waitNanos / 1e6;
  }

  public double optimizerMs() {
    return optimizerNanos / 1e6;
  }

  /** The whole step. */
  public double totalMs() {
    return totalNanos / 1e6;
  }
}
