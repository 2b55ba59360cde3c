package dev.cohort.comm;

import java.time.Duration;
import java.util.Optional;

/**
 * A handle on a collective that may still be running. Collectives of one group run in the order
 * they were issued; a Work completes exactly once, successfully or with an exception.
 *
 * <p>Thread-safe. {@link #await(Duration)} establishes happens-before from the collective's writes
 * into the caller's buffers to the code after it.
 */
public interface Work {

  /** True once the collective finished, successfully or not. */
  boolean isCompleted();

  /** True once the collective finished without error. */
  boolean isSuccess();

  /** The failure, if the collective failed. */
  Optional<RuntimeException> exception();

  /**
   * Waits for completion.
   *
   * @throws CommTimeoutException if it is not done within {@code timeout}; the collective keeps
   *     running (use {@link ProcessGroup#abort} to stop the group)
   * @throws CommException the collective's own failure, rethrown
   */
  void await(Duration timeout);

  /**
   * Waits as long as the call may run: its own timeout ({@link CollectiveOptions}) or else the
   * group's configured one, plus a small margin, since the call enforces its timeout itself and
   * reports it better.
   */
  void await();
}
