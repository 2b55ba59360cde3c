package dev.cohort.comm.store;

import dev.cohort.comm.Store;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A view of another store in which every key is prefixed, so that sub-groups and generations never
 * see each other's keys. Closing the view leaves the underlying store open.
 */
public final class PrefixStore implements Store {
  private final Store inner;
  private final String prefix;

  public PrefixStore(Store inner, String prefix) {
    this.inner = inner;
    this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
  }

  private String k(String key) {
    return prefix + key;
  }

  @Override
  public void set(String key, byte[] value) {
    inner.set(k(key), value);
  }

  @Override
  public byte[] get(String key, Duration timeout) {
    return inner.get(k(key), timeout);
  }

  @Override
  public Optional<byte[]> tryGet(String key) {
    return inner.tryGet(k(key));
  }

  @Override
  public long add(String key, long delta) {
    return inner.add(k(key), delta);
  }

  @Override
  public byte[] compareAndSet(String key, byte[] expected, byte[] desired) {
    return inner.compareAndSet(k(key), expected, desired);
  }

  @Override
  public boolean delete(String key) {
    return inner.delete(k(key));
  }

  @Override
  public void waitFor(List<String> keys, Duration timeout) {
    inner.waitFor(keys.stream().map(this::k).toList(), timeout);
  }

  @Override
  public boolean check(List<String> keys) {
    return inner.check(keys.stream().map(this::k).toList());
  }

  @Override
  public void close() {
    // The underlying store belongs to whoever made it.
  }

  @Override
  public String toString() {
    return inner + " under '" + prefix + "'";
  }
}
