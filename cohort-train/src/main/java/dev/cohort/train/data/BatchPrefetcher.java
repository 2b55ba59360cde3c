package dev.cohort.train.data;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Gathers the next batch's features and labels on a background thread while the current step
 * communicates and updates, so that data loading leaves the critical path. Only plain arrays are
 * built off-thread; NDArrays are made on the training thread, which owns the NDManager.
 */
public final class BatchPrefetcher implements AutoCloseable {
  private final InMemoryDataset data;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "cohort-prefetch");
            t.setDaemon(true);
            return t;
          });
  private Future<Host> next;
  private int[] nextIndices;

  /** A batch in Java arrays: features sample after sample, labels as floats. */
  public record Host(float[] features, float[] labels, int[] indices) {}

  public BatchPrefetcher(InMemoryDataset data) {
    this.data = data;
  }

  /** Starts gathering {@code indices} in the background. */
  public void prefetch(int[] indices) {
    nextIndices = indices;
    next = thread.submit(() -> gather(data, indices));
  }

  /**
   * The batch for {@code indices}: the prefetched one if it matches, else gathered now.
   *
   * @throws IllegalStateException if the background gathering failed
   */
  public Host take(int[] indices) {
    if (next != null && Arrays.equals(indices, nextIndices)) {
      try {
        return next.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while loading a batch", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("loading a batch failed: " + e.getCause(), e.getCause());
      } finally {
        next = null;
      }
    }
    return gather(data, indices);
  }

  static Host gather(InMemoryDataset data, int[] indices) {
    int size = data.featureSize();
    float[] x = new float[indices.length * size];
    float[] y = new float[indices.length];
    for (int i = 0; i < indices.length; i++) {
      data.copyFeatures(indices[i], x, i * size);
      y[i] = data.label(indices[i]);
    }
    return new Host(x, y, indices);
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
