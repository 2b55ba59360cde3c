package dev.cohort.train.metrics;

/**
 * Where one optimizer step's time went on one rank, in nanoseconds: building the batch (data),
 * forward and backward passes, communication (packing and all-reducing gradients, less the time
 * spent stalled on slower ranks), waiting for the slowest rank, the optimizer update, and {@link
 * #otherNanos other}: the rest of the step's wall time. One line of {@link MetricsCsv}.
 *
 * <p>{@code totalNanos} is wall time: a step runs from the end of the previous step (or from the
 * start of training, or the end of an evaluation or a checkpoint) to its own end, so the steps of a
 * run add up to its training time and nothing between them is lost.
 *
 * <p>{@code experts} is the step's routing, for a mixture of experts (null otherwise).
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
    long totalNanos,
    ExpertLoad experts) {

  /** A step of a model without experts. */
  public StepRecord(
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
    this(
        step,
        epoch,
        loss,
        samples,
        dataNanos,
        computeNanos,
        commNanos,
        waitNanos,
        optimizerNanos,
        totalNanos,
        null);
  }

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

  /**
   * What no phase accounts for: the step's setup and teardown (libtorch's arrays of the step freed,
   * grad mode), the loop's bookkeeping between steps, the stop check. Never negative.
   */
  public long otherNanos() {
    return Math.max(
        0, totalNanos - dataNanos - computeNanos - commNanos - waitNanos - optimizerNanos);
  }

  public double otherMs() {
    return otherNanos() / 1e6;
  }

  /** The whole step. */
  public double totalMs() {
    return totalNanos / 1e6;
  }
}
