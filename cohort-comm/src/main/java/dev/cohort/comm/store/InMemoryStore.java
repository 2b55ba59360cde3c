package dev.cohort.comm.store;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.Store;
import dev.cohort.comm.StoreException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Store} in this process's memory: the state behind a {@link StoreServer}, and a store for
 * ranks that are threads of one JVM (tests) with no sockets at all. Counters are decimal ASCII, as
 * on the wire.
 *
 * <p>Thread-safe. Values are copied in and out, so callers never share arrays. Waits end when the
 * keys are set, when their timeout passes ({@link CommTimeoutException}), or when the store is
 * closed ({@link StoreException}); an interrupted wait restores the interrupt and fails.
 */
public final class InMemoryStore implements Store {
  /** What a store may hold: asked, under the store's lock, before anything grows. */
  interface Quota {
    Quota NONE = (keys, bytes, bytesDelta) -> {};

    /**
     * Admits a change that leaves the store with {@code keys} keys and {@code bytes} bytes (keys
     * and values), {@code bytesDelta} more than before.
     *
     * @throws StoreException to refuse it, saying which bound it would break
     */
    void admit(int keys, long bytes, long bytesDelta);
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Quota quota;

  /** Guarded by lock. */
  private final Map<String, byte[]> data = new HashMap<>();

  /** Bytes of every key (UTF-16 length, counted as 2 bytes a char) and value; guarded by lock. */
  private long bytes;

  private volatile boolean closed;

  /** An empty store without bounds. */
  public InMemoryStore() {
    this(Quota.NONE);
  }

  /** An empty store whose growth {@code quota} admits or refuses. */
  InMemoryStore(Quota quota) {
    this.quota = quota;
  }

  @Override
  public void set(String key, byte[] value) {
    byte[] copy = value.clone();
    mutate(() -> put(key, copy));
  }

  @Override
  public byte[] get(String key, Duration timeout) {
    if (!awaitKeys(List.of(key), timeout.toNanos())) {
      throw notSet("store key '" + key + "' was", timeout);
    }
    return read(key).clone();
  }

  @Override
  public Optional<byte[]> tryGet(String key) {
    byte[] v = read(key);
    return v == null ? Optional.empty() : Optional.of(v.clone());
  }

  /**
   * @throws StoreException if the key holds a value that is not a counter
   */
  @Override
  public long add(String key, long delta) {
    lock.lock();
    try {
      byte[] old = data.get(key);
      long result;
      try {
        result = (old == null ? 0 : Long.parseLong(new String(old, US_ASCII))) + delta;
      } catch (NumberFormatException e) {
        throw new StoreException("key '" + key + "' holds a value that is not a counter");
      }
      put(key, Long.toString(result).getBytes(US_ASCII));
      changed.signalAll();
      return result;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public byte[] compareAndSet(String key, byte[] expected, byte[] desired) {
    byte[] want = desired.clone();
    lock.lock();
    try {
      byte[] cur = data.get(key);
      boolean match = expected == null ? cur == null : cur != null && Arrays.equals(cur, expected);
      if (!match) {
        return cur == null ? null : cur.clone();
      }
      put(key, want);
      changed.signalAll();
      return want.clone();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean delete(String key) {
    boolean[] existed = new boolean[1];
    mutate(
        () -> {
          byte[] old = data.remove(key);
          if (old != null) {
            bytes -= size(key, old);
            existed[0] = true;
          }
        });
    return existed[0];
  }

  @Override
  public void waitFor(List<String> keys, Duration timeout) {
    if (!awaitKeys(keys, timeout.toNanos())) {
      List<String> missing = keys.stream().filter(k -> read(k) == null).toList();
      throw notSet("store keys " + missing + " were", timeout);
    }
  }

  @Override
  public boolean check(List<String> keys) {
    lock.lock();
    try {
      return data.keySet().containsAll(keys);
    } finally {
      lock.unlock();
    }
  }

  /** Wakes every waiter; later waits fail at once. Values stay readable. */
  @Override
  public void close() {
    closed = true;
    mutate(() -> {});
  }

  /** Bytes held: every key and value. */
  long bytes() {
    lock.lock();
    try {
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  /** Stores {@code value} after the quota admits the growth; caller holds the lock. */
  private void put(String key, byte[] value) {
    byte[] old = data.get(key);
    long delta = old == null ? size(key, value) : value.length - old.length;
    quota.admit(data.size() + (old == null ? 1 : 0), bytes + delta, delta);
    data.put(key, value);
    bytes += delta;
  }

  private static long size(String key, byte[] value) {
    return 2L * key.length() + value.length;
  }

  /** The stored array itself, not a copy, or null: for the server, which only serializes it. */
  byte[] read(String key) {
    lock.lock();
    try {
      return data.get(key);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until every key is set; false when {@code waitNanos} (0: do not wait) passes first, the
   * store closes, or the thread is interrupted (the interrupt is restored).
   */
  boolean awaitKeys(List<String> keys, long waitNanos) {
    long deadline = System.nanoTime() + Math.max(0, waitNanos);
    lock.lock();
    try {
      while (!data.keySet().containsAll(keys)) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) {
          return false;
        }
        changed.awaitNanos(left);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  private void mutate(Runnable change) {
    lock.lock();
    try {
      change.run();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private RuntimeException notSet(String what, Duration timeout) {
    if (closed) {
      return new StoreException(what + " not set: the in-memory store is closed");
    }
    if (Thread.currentThread().isInterrupted()) {
      return new StoreException(what + " not set: interrupted while waiting");
    }
    return new CommTimeoutException(
        what + " not set within " + timeout.toMillis() + " ms (in-memory store)");
  }

  @Override
  public String toString() {
    return "InMemoryStore";
  }
}
