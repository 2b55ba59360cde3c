package dev.cohort.train.data;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Copies the next batch's samples into the step's {@link InputTensors} on a background thread while
 * the current step communicates and updates, so that data loading leaves the critical path. Only
 * memory is written off-thread; NDArrays are touched on the training thread, which owns the
 * NDManager.
 */
public final class BatchPrefetcher implements AutoCloseable {
  private final InMemoryDataset data;
  private final InputTensors tensors;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "cohort-prefetch");
            t.setDaemon(true);
            return t;
          });
  private Future<?> next;
  private int[] nextIndices;

  public BatchPrefetcher(InMemoryDataset data, InputTensors tensors) {
    this.data = data;
    this.tensors = tensors;
  }

  /**
   * Starts copying {@code indices} into the tensors in the background: call it only once the
   * current step no longer reads them (after its backward pass).
   */
  public void prefetch(int[] indices) {
    awaitPending();
    nextIndices = indices;
    next = thread.submit(() -> tensors.fill(data, indices));
  }

  /**
   * Leaves samples {@code indices} in the tensors: the prefetched batch if it matches, else copied
   * now.
   *
   * @throws IllegalStateException if the background copy failed
   */
  public void take(int[] indices) {
    boolean prefetched = next != null && Arrays.equals(indices, nextIndices);
    awaitPending();
    if (!prefetched) {
      tensors.fill(data, indices);
    }
  }

  private void awaitPending() {
    if (next == null) {
      return;
    }
    try {
      next.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading a batch", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("loading a batch failed: " + e.getCause(), e.getCause());
    } finally {
      next = null;
      nextIndices = null;
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
