package dev.cohort.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes checkpoints on a background thread so that training does not stall for the disk: the
 * training thread only takes an in-memory snapshot ({@link TrainingState#snapshot}). One write at a
 * time: a new checkpoint waits for the previous write to finish, and a failed write is reported at
 * the next submit or at {@link #close}, never dropped.
 */
public final class AsyncCheckpointWriter implements AutoCloseable {
  private final CheckpointStore store;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "cohort-checkpoint-writer");
            t.setDaemon(false); // a checkpoint being written must not be cut off by JVM exit
            return t;
          });
  private Future<Written> pending;

  /** One finished write: where, how big, how long it took. */
  public record Written(Path path, long bytes, long nanos) {}

  public AsyncCheckpointWriter(CheckpointStore store) {
    this.store = store;
  }

  /**
   * Queues {@code snapshot} for writing.
   *
   * @return the previous write's result, or null if there was none
   * @throws IOException if the previous write failed
   */
  public Written submit(TrainingState snapshot) throws IOException {
    Written previous = await();
    pending =
        thread.submit(
            () -> {
              long t0 = System.nanoTime();
              Path p = store.write(snapshot);
              return new Written(p, snapshot.bytes(), System.nanoTime() - t0);
            });
    return previous;
  }

  /** Waits for the write in progress, if any; returns it or null. */
  public Written await() throws IOException {
    if (pending == null) {
      return null;
    }
    try {
      return pending.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for a checkpoint write", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } finally {
      pending = null;
    }
  }

  /** Finishes the write in progress and stops the thread. */
  @Override
  public void close() throws IOException {
    try {
      await();
    } finally {
      thread.shutdown();
    }
  }
}
