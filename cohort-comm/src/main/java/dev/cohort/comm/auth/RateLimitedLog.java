package dev.cohort.comm.auth;

import java.time.Duration;

/**
 * Warnings about connections that a flood could multiply (strangers, port scanners, a resource
 * failure that repeats on every accept): at most one line per interval; the lines in between are
 * counted, and the count is added to the next line that is written.
 *
 * <p>Thread-safe.
 */
public final class RateLimitedLog {
  /** One line per second. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

  private final System.Logger log;
  private final long intervalNanos;
  private long lastNanos;
  private boolean any;
  private long suppressed;

  public RateLimitedLog(System.Logger log, Duration interval) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
  }

  public RateLimitedLog(System.Logger log) {
    this(log, DEFAULT_INTERVAL);
  }

  /** Logs {@code line} as a warning, unless a line was written less than an interval ago. */
  public void warn(String line) {
    long suppressedBefore;
    synchronized (this) {
      long now = System.nanoTime();
      if (any && now - lastNanos < intervalNanos) {
        suppressed++;
        return;
      }
      any = true;
      lastNanos = now;
      suppressedBefore = suppressed;
      suppressed = 0;
    }
    log.log(
        System.Logger.Level.WARNING,
        suppressedBefore == 0
            ? line
            : line + " (and " + suppressedBefore + " similar warnings suppressed before this one)");
  }

  /** Warnings not written since the last line that was. */
  public synchronized long suppressed() {
    return suppressed;
  }
}
