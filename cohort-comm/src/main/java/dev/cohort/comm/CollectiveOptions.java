package dev.cohort.comm;

import java.time.Duration;
import java.util.Objects;

/**
 * Options for one call on a {@link ProcessGroup}. {@link #DEFAULT} keeps the group's configuration.
 *
 * <p>A timeout bounds the call from when it starts running on the group's communication thread (not
 * from when it was issued), exactly like the configured timeout it replaces: when it passes, the
 * call fails with a {@link CommTimeoutException} naming this rank, the operation and its sequence
 * number, the peers still awaited and the timeout, and, as with any failed collective, the group is
 * aborted. Every rank may pass its own timeout.
 *
 * @param timeout bound on this call, or null for the group's configured timeout ({@link
 *     CommConfig#timeout()}, {@code COHORT_TIMEOUT_MS})
 */
public record CollectiveOptions(Duration timeout) {

  /** The group's configured timeout. */
  public static final CollectiveOptions DEFAULT = new CollectiveOptions(null);

  /**
   * @throws IllegalArgumentException if the timeout is zero or negative
   */
  public CollectiveOptions {
    if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
      throw new IllegalArgumentException("a collective's timeout must be positive, got " + timeout);
    }
  }

  /** Options with this call's own timeout. */
  public static CollectiveOptions withTimeout(Duration timeout) {
    return new CollectiveOptions(Objects.requireNonNull(timeout, "timeout"));
  }

  /** This call's timeout, or {@code groupTimeout} when it has none of its own. */
  public Duration timeoutOr(Duration groupTimeout) {
    return timeout != null ? timeout : groupTimeout;
  }
}
