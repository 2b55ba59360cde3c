package dev.cohort.launch.elastic;

import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.launch.local.Outcome;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The restart loop around a launch. When a worker fails (dies, or hangs), every worker has already
 * been stopped by the launcher; the supervisor then starts the world again under a new rendezvous
 * generation, from the newest checkpoint when there is one, up to {@code maxRestarts} times. With
 * an elastic {@link WorkerRange} the lost worker's slot does not come back: the run goes on with
 * one worker fewer and the same global batch (more samples per worker, so the same data order and,
 * up to rounding, the same trajectory), and stops with a clear message, checkpoints intact, when
 * fewer than the minimum would remain.
 */
public final class ElasticSupervisor {
  /** One start of the world. */
  public interface Attempt {
    /**
     * Starts the world and waits for it.
     *
     * @param generation rendezvous generation, 0 for the first attempt
     * @param workers how many workers to start
     * @param batchPerWorker samples per worker per micro-batch
     * @param resume the run folder to resume from, or null to start from scratch
     */
    Outcome run(int generation, int workers, int batchPerWorker, Path resume)
        throws IOException, InterruptedException;
  }

  private final WorkerRange range;
  private final int maxRestarts;
  private final Path runDir;
  private final PrintWriter err;

  /**
   * @param range the worker counts allowed
   * @param maxRestarts restarts after failures, 0 for none
   * @param runDir the run folder, whose {@code checkpoints} the restarts resume from
   * @param err where failures and restarts are reported, each as one line prefixed "cohort train:"
   */
  public ElasticSupervisor(WorkerRange range, int maxRestarts, Path runDir, PrintWriter err) {
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("--max-restarts must be >= 0, got " + maxRestarts);
    }
    this.range = range;
    this.maxRestarts = maxRestarts;
    this.runDir = runDir;
    this.err = err;
  }

  /**
   * Runs attempts until one succeeds or no restart is left.
   *
   * @param batchPerWorker the per-worker batch at {@code range.max()} workers
   * @param resume the folder the first attempt resumes from, or null
   * @return the process exit status: 0 when an attempt succeeded, 1 otherwise
   */
  public int supervise(int batchPerWorker, Path resume, Attempt attempt)
      throws IOException, InterruptedException {
    int globalBatch = batchPerWorker * range.max();
    int workers = range.max();
    int batch = batchPerWorker;
    Path from = resume;
    for (int generation = 0; ; generation++) {
      Outcome o = attempt.run(generation, workers, batch, from);
      if (o.succeeded()) {
        return 0;
      }
      err.println("cohort train: " + o.report());
      err.flush();
      if (generation >= maxRestarts) {
        return 1;
      }
      Path checkpoints = runDir.resolve("checkpoints");
      boolean haveCheckpoint = !new CheckpointStore(checkpoints, 1).steps().isEmpty();
      if (haveCheckpoint) {
        from = runDir;
      }
      if (range.elastic()) {
        if (workers - 1 < range.min()) {
          err.printf(
              "cohort train: only %d workers would remain, fewer than the minimum %d; stopping. "
                  + "Checkpoints are intact in %s (resume with --resume)%n",
              workers - 1, range.min(), checkpoints);
          return 1;
        }
        workers--;
        if (globalBatch % workers != 0) {
          err.printf(
              "cohort train: the global batch %d cannot be split evenly over %d workers; "
                  + "stopping. Checkpoints are intact in %s%n",
              globalBatch, workers, checkpoints);
          return 1;
        }
        batch = globalBatch / workers;
      }
      err.printf(
          "cohort train: restarting with %d workers (restart %d of %d), %s%n",
          workers,
          generation + 1,
          maxRestarts,
          haveCheckpoint ? "from the newest checkpoint" : "from scratch (no checkpoint yet)");
      err.flush();
    }
  }
}
