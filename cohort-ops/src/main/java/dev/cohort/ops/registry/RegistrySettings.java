package dev.cohort.ops.registry;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How to open a registry.
 *
 * @param jdbcUrl {@code jdbc:sqlite:FILE} (see {@link Registry#sqliteUrl}) or {@code
 *     jdbc:postgresql://HOST:PORT/DATABASE?user=...}; a PostgreSQL URL gains a connect timeout (10
 *     s) and a socket timeout (60 s) unless it sets its own
 * @param lockTimeout how long a write waits for another process's write to finish before failing
 * @param clock the source of timestamps for versions, aliases and audit entries
 */
public record RegistrySettings(String jdbcUrl, Duration lockTimeout, Clock clock) {

  /** How long a write waits for the write lock unless told otherwise. */
  public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);

  /** Requires all fields and a positive lock timeout. */
  public RegistrySettings {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(lockTimeout, "lockTimeout");
    Objects.requireNonNull(clock, "clock");
    if (lockTimeout.isNegative() || lockTimeout.isZero()) {
      throw new IllegalArgumentException("lockTimeout must be positive, got " + lockTimeout);
    }
  }

  /**
   * The URL connections are opened with: a PostgreSQL one bounded (see {@link
   * JdbcUrls#withTimeouts}); an answer may take as long as a lock wait, and then some.
   */
  String connectionUrl() {
    return JdbcUrls.withTimeouts(jdbcUrl, Math.max(60, lockTimeout.toSeconds() + 30));
  }

  /** The defaults: a 5 s lock timeout and the UTC system clock. */
  public static RegistrySettings of(String jdbcUrl) {
    return new RegistrySettings(jdbcUrl, DEFAULT_LOCK_TIMEOUT, Clock.systemUTC());
  }

  /** The same settings with another lock timeout. */
  public RegistrySettings withLockTimeout(Duration timeout) {
    return new RegistrySettings(jdbcUrl, timeout, clock);
  }

  /** The same settings with another clock. */
  public RegistrySettings withClock(Clock newClock) {
    return new RegistrySettings(jdbcUrl, lockTimeout, newClock);
  }
}
