package dev.cohort.train.metrics;

/**
 * Where one optimizer step's time went on one rank, in nanoseconds: building the batch (data),
 * forward and backward passes, communication (packing and all-reducing gradients, less the time
 * spent stalled on slower ranks), waiting for the slowest rank, and the optimizer update.
 */
public record StepRecord(int step, int epoch, float loss, int samples, long dataNanos,
    long computeNanos, long commNanos, long waitNanos, long optimizerNanos, long totalNanos) {

  public static final String CSV_HEADER =
      "step,epoch,loss,samples,data_ms,forward_backward_ms,communication_ms,wait_ms,optimizer_ms,step_ms";

  public String csv() {
    return String.format(java.util.Locale.ROOT, "%d,%d,%.6f,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f", step,
        epoch, loss, samples, dataNanos / 1e6, computeNanos / 1e6, commNanos / 1e6, waitNanos / 1e6,
        optimizerNanos / 1e6, totalNanos / 1e6);
  }
}
