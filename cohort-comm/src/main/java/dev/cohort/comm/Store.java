package dev.cohort.comm;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A small key-value store that ranks use to find each other (rendezvous) and to agree on little
 * facts: addresses, generation numbers, failure reports. Values are opaque bytes.
 *
 * <p>Implementations are thread-safe. Every call that waits takes a timeout and fails with {@link
 * CommTimeoutException} when it passes; a lost connection is a {@link StoreException}.
 */
public interface Store extends AutoCloseable {

  /** Sets {@code key} to {@code value}, waking anyone waiting for it. */
  void set(String key, byte[] value);

  /** The value of {@code key}, waiting up to {@code timeout} for it to be set. */
  byte[] get(String key, Duration timeout);

  /** The value of {@code key} if it is set now; never waits. */
  Optional<byte[]> tryGet(String key);

  /** Atomically adds {@code delta} to the counter at {@code key} (absent counts as 0). */
  long add(String key, long delta);

  /**
   * Atomically sets {@code key} to {@code desired} if its value is {@code expected} (null: the key
   * must be absent).
   *
   * @return the value after the call: {@code desired} on success, else the value that was there
   */
  byte[] compareAndSet(String key, byte[] expected, byte[] desired);

  /** Deletes {@code key}; true if it existed. */
  boolean delete(String key);

  /** Waits until every key is set, or fails naming the keys still missing at the deadline. */
  void waitFor(List<String> keys, Duration timeout);

  /** True if every key is set now. */
  boolean check(List<String> keys);

  /** Releases the connection; never throws. */
  @Override
  void close();
}
