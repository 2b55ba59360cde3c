package dev.cohort.comm.transport;

import dev.cohort.comm.EnvKeys;
import java.time.Duration;

/**
 * Who is doing what, for error messages and deadlines: this rank, the operation and its sequence
 * number in the group, and when it must be done.
 *
 * @param timeoutSetting what sets {@code timeout}, named in a timeout's hint ("COHORT_TIMEOUT_MS")
 */
public record OpContext(
    int rank, String operation, int seq, long startNanos, Duration timeout, String timeoutSetting) {

  /** Starts now, bounded by the configured timeout (COHORT_TIMEOUT_MS). */
  public static OpContext start(int rank, String operation, int seq, Duration timeout) {
    return start(rank, operation, seq, timeout, EnvKeys.COHORT_TIMEOUT_MS);
  }

  /** Starts now, bounded by {@code timeout}, which {@code timeoutSetting} set. */
  public static OpContext start(
      int rank, String operation, int seq, Duration timeout, String timeoutSetting) {
    return new OpContext(rank, operation, seq, System.nanoTime(), timeout, timeoutSetting);
  }

  public long deadlineNanos() {
    return startNanos + timeout.toNanos();
  }

  public long elapsedMillis() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** "rank 2: allReduce #17". */
  public String describe() {
    return "rank " + rank + ": " + operation + " #" + seq;
  }
}
