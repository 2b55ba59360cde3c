package dev.cohort.launch.elastic;

import dev.cohort.checkpoint.CheckpointFolders;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The restart loop around a launch. When a worker fails (dies, or hangs), every worker has already
 * been stopped by the launcher; the supervisor then starts the world again under a new rendezvous
 * generation, up to {@code maxRestarts} times. With an elastic {@link WorkerRange} the lost
 * worker's slot does not come back: the run goes on with one worker fewer, and stops with a clear
 * message when fewer than the minimum would remain.
 *
 * <p>For training ({@link #supervise(int, Path, Attempt)}) a restart resumes from the newest
 * checkpoint when there is one, and a shrunk world keeps the global batch (more samples per worker,
 * so the same data order and, up to rounding, the same trajectory). For any other program ({@link
 * #supervise(ProgramAttempt)}) the supervisor knows nothing of its state: the program resumes from
 * its own checkpoints.
 */
public final class ElasticSupervisor {
  /** One start of a training world. */
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

  /** One start of any program's world. */
  public interface ProgramAttempt {
    /**
     * Starts the world and waits for it.
     *
     * @param generation rendezvous generation: 0 for the first attempt, which is also the number of
     *     restarts before it
     * @param workers how many processes to start
     */
    Outcome run(int generation, int workers) throws IOException, InterruptedException;
  }

  /** What a kind of run adds to the loop: its own checks and words before each restart. */
  private interface Restarts {
    /** Before restarting with {@code workers}: why not to, or empty to go on. */
    Optional<String> refuse(int workers);

    /** How the restart starts, e.g. ", from the newest checkpoint"; may be empty. */
    String how();

    /** Where the run's state is, said when it stops below the minimum; may be empty. */
    String whereStateIs();
  }

  private final WorkerRange range;
  private final int maxRestarts;
  private final Path runDir;
  private final PrintWriter err;
  private final String name;

  /**
   * A supervisor for {@code cohort train}.
   *
   * @param range the worker counts allowed
   * @param maxRestarts restarts after failures, 0 for none
   * @param runDir the run folder, whose {@code checkpoints} the restarts resume from
   * @param err where failures and restarts are reported, each as one line prefixed "cohort train:"
   */
  public ElasticSupervisor(WorkerRange range, int maxRestarts, Path runDir, PrintWriter err) {
    this(range, maxRestarts, runDir, err, "cohort train");
  }

  private ElasticSupervisor(
      WorkerRange range, int maxRestarts, Path runDir, PrintWriter err, String name) {
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("--max-restarts must be >= 0, got " + maxRestarts);
    }
    this.range = range;
    this.maxRestarts = maxRestarts;
    this.runDir = runDir;
    this.err = err;
    this.name = name;
  }

  /**
   * A supervisor for any program.
   *
   * @param range the worker counts allowed
   * @param maxRestarts restarts after failures, 0 for none
   * @param err where failures and restarts are reported, each as one line prefixed {@code name}
   * @param name the command, e.g. "cohort run"
   */
  public static ElasticSupervisor forProgram(
      WorkerRange range, int maxRestarts, PrintWriter err, String name) {
    return new ElasticSupervisor(range, maxRestarts, null, err, name);
  }

  /**
   * Runs attempts of a training world until one succeeds or no restart is left.
   *
   * @param batchPerWorker the per-worker batch at {@code range.max()} workers
   * @param resume the folder the first attempt resumes from, or null
   * @return the process exit status: 0 when an attempt succeeded, 1 otherwise
   */
  public int supervise(int batchPerWorker, Path resume, Attempt attempt)
      throws IOException, InterruptedException {
    TrainingRestarts training = new TrainingRestarts(batchPerWorker, resume);
    Outcome last =
        loop(
            (generation, workers) ->
                attempt.run(generation, workers, training.batch, training.from),
            training);
    return last.succeeded() ? 0 : 1;
  }

  /**
   * Runs attempts of a program's world until one succeeds or no restart is left.
   *
   * @return the last attempt's outcome: success, or the failure that ended the run
   */
  public Outcome supervise(ProgramAttempt attempt) throws IOException, InterruptedException {
    return loop(
        attempt,
        new Restarts() {
          @Override
          public Optional<String> refuse(int workers) {
            return Optional.empty();
          }

          @Override
          public String how() {
            return "";
          }

          @Override
          public String whereStateIs() {
            return "";
          }
        });
  }

  private Outcome loop(ProgramAttempt attempt, Restarts restarts)
      throws IOException, InterruptedException {
    int workers = range.max();
    for (int generation = 0; ; generation++) {
      Outcome o = attempt.run(generation, workers);
      if (o.succeeded()) {
        return o;
      }
      err.println(name + ": " + o.report());
      err.flush();
      if (generation >= maxRestarts) {
        return o;
      }
      if (LocalLauncher.isShuttingDown()) {
        err.println(name + ": interrupted; not restarting");
        err.flush();
        return o;
      }
      if (range.elastic()) {
        if (workers - 1 < range.min()) {
          err.printf(
              "%s: only %d workers would remain, fewer than the minimum %d; stopping.%s%n",
              name, workers - 1, range.min(), restarts.whereStateIs());
          err.flush();
          return o;
        }
        workers--;
      }
      Optional<String> refusal = restarts.refuse(workers);
      if (refusal.isPresent()) {
        err.println(name + ": " + refusal.get());
        err.flush();
        return o;
      }
      err.printf(
          "%s: restarting with %d workers (restart %d of %d)%s%n",
          name, workers, generation + 1, maxRestarts, restarts.how());
      err.flush();
    }
  }

  /**
   * Training's restarts: from the newest checkpoint when there is one; a shrunk world keeps the
   * global batch, or stops when it cannot be split evenly.
   */
  private final class TrainingRestarts implements Restarts {
    private final int globalBatch;
    private final Path checkpoints = CheckpointFolders.of(runDir);
    private int batch;
    private Path from;
    private boolean haveCheckpoint;

    TrainingRestarts(int batchPerWorker, Path resume) {
      this.globalBatch = batchPerWorker * range.max();
      this.batch = batchPerWorker;
      this.from = resume;
    }

    @Override
    public Optional<String> refuse(int workers) {
      haveCheckpoint = CheckpointFolders.hasAny(checkpoints);
      if (haveCheckpoint) {
        from = runDir;
      }
      if (range.elastic()) {
        if (globalBatch % workers != 0) {
          return Optional.of(
              String.format(
                  "the global batch %d cannot be split evenly over %d workers; "
                      + "stopping. Checkpoints are intact in %s",
                  globalBatch, workers, checkpoints));
        }
        batch = globalBatch / workers;
      }
      return Optional.empty();
    }

    @Override
    public String how() {
      return haveCheckpoint ? ", from the newest checkpoint" : ", from scratch (no checkpoint yet)";
    }

    @Override
    public String whereStateIs() {
      return " Checkpoints are intact in " + checkpoints + " (resume with --resume)";
    }
  }
}
