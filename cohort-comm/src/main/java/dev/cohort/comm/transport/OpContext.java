package dev.cohort.comm.transport;

import java.time.Duration;

/**
 * Who is doing what, for error messages and deadlines: this rank, the operation and its sequence
 * number in the group, and when it must be done.
 */
public record OpContext(int rank, String operation, int seq, long startNanos, Duration timeout) {

  public static OpContext start(int rank, String operation, int seq, Duration timeout) {
    return new OpContext(rank, operation, seq, System.nanoTime(), timeout);
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
