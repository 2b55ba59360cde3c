package dev.cohort.lab.chaos;

import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.train.metrics.MetricsCsv;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One target's chaos: trains in a run folder, and whenever the {@link KillPlan} says SIGKILLs the
 * target ({@link Driver}), waits until no worker runs, notes the newest complete checkpoint, starts
 * training again from it and times it; at the end the run must finish with status 0.
 */
final class KillLoop {
  /** How long the world may take to reach a kill's step, or to train again after one. */
  private static final Duration PROGRESS_DEADLINE = Duration.ofMinutes(5);

  /** How long the last segment may take to finish. */
  private static final Duration FINISH_DEADLINE = Duration.ofMinutes(30);

  private static final long POLL_MILLIS = 5;

  /** Starts training in a run folder and kills what the target names. */
  interface Driver {
    /** Starts training: fresh, or resuming from the run folder's newest complete checkpoint. */
    Training start(boolean resume) throws IOException;
  }

  /** A training run under way. */
  interface Training {
    /** Whether it still runs. */
    boolean running();

    /** Waits for its end; its exit status. */
    int await(Duration timeout) throws Exception;

    /**
     * SIGKILLs the victim and returns once no worker of this run runs any more.
     *
     * @throws ChaosFailure when the run did not notice, or a worker outlived the kill
     */
    Down kill(int number) throws Exception;

    /** Where its output is, for messages. */
    String describe();
  }

  /** What a kill brought down: the victim, and when the first and the last worker had gone. */
  record Down(long victimPid, double detectSeconds, double goneSeconds) {}

  private final String target;
  private final Path dir;
  private final KillPlan plan;
  private final PrintStream out;

  /**
   * @param target names the target in messages
   * @param dir the run folder
   */
  KillLoop(String target, Path dir, KillPlan plan, PrintStream out) {
    this.target = target;
    this.dir = dir;
    this.plan = plan;
    this.out = out;
  }

  /** Runs the plan; the kills, in order (their resume steps not yet read). */
  List<Kill> run(Driver driver) throws Exception {
    List<Kill> kills = new ArrayList<>();
    Training run = driver.start(false);
    long from = 0; // where the run started or last resumed
    for (int i = 0; i < plan.size(); i++) {
      int number = i + 1;
      awaitKillPoint(run, number, from + plan.gap(i));
      Down down = run.kill(number);
      // The world is down: what it reached, and the checkpoint it must resume from.
      Path metrics = dir.resolve(MetricsCsv.FILE);
      long reached = MetricsCsv.reached(metrics);
      long newest = newestCheckpoint();
      boolean cutShort = checkpointCutShort();
      Object before = fileKey(metrics);
      long downAt = System.nanoTime();
      run = driver.start(true);
      awaitTrainingAgain(run, number, before, newest);
      double restart = (System.nanoTime() - downAt) / 1e9;
      from = newest;
      Kill k =
          new Kill(
              number,
              down.victimPid(),
              reached,
              newest,
              cutShort,
              -1,
              down.detectSeconds(),
              down.goneSeconds(),
              restart);
      kills.add(k);
      out.printf(
          Locale.ROOT,
          "  %s kill %d at step %d: noticed after %.2f s, workers gone after %.2f s;"
              + " newest checkpoint %d%s; training again after %.2f s%n",
          target,
          number,
          reached,
          k.detectSeconds(),
          k.goneSeconds(),
          newest,
          cutShort ? " (a newer one was cut short)" : "",
          restart);
    }
    int status = run.await(FINISH_DEADLINE);
    if (status != 0) {
      throw new ChaosFailure(
          target + " run: the last segment failed with exit status " + status + "; see " + dir);
    }
    return kills;
  }

  /** Waits until the world has reached {@code step} and a complete checkpoint exists. */
  private void awaitKillPoint(Training run, int number, long step) throws Exception {
    long deadline = System.nanoTime() + PROGRESS_DEADLINE.toNanos();
    while (steps() < step || newestCheckpoint() < 0) {
      if (!run.running()) {
        throw new ChaosFailure(
            String.format(
                Locale.ROOT,
                "%s run ended (exit status %d) at step %d before kill %d, due at step %d: train"
                    + " longer (--epochs) or kill less often; see %s",
                target,
                run.await(Duration.ZERO),
                steps(),
                number,
                step,
                run.describe()));
      }
      checkDeadline(deadline, "reach step " + step + " for kill " + number, run);
      TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
    }
  }

  /**
   * Waits until the resumed run has trained a step: it rewrites metrics.csv (to drop the steps it
   * redoes) as it starts, so the file is a new one, and then holds more steps than the checkpoint.
   */
  private void awaitTrainingAgain(Training run, int number, Object before, long from)
      throws Exception {
    long deadline = System.nanoTime() + PROGRESS_DEADLINE.toNanos();
    Path metrics = dir.resolve(MetricsCsv.FILE);
    while (Objects.equals(fileKey(metrics), before) || steps() <= from) {
      if (!run.running()) {
        throw new ChaosFailure(
            target
                + " run: the run resumed after kill "
                + number
                + " ended with exit status "
                + run.await(Duration.ZERO)
                + " before it trained a step; see "
                + run.describe());
      }
      checkDeadline(deadline, "train again after kill " + number, run);
      TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
    }
  }

  private void checkDeadline(long deadline, String what, Training run) throws ChaosFailure {
    if (System.nanoTime() - deadline > 0) {
      throw new ChaosFailure(
          target
              + " run: did not "
              + what
              + " within "
              + PROGRESS_DEADLINE.toMinutes()
              + " minutes; see "
              + run.describe());
    }
  }

  /** Lines in metrics.csv: cheap enough to poll; the steps recorded, give or take a line. */
  private long steps() throws IOException {
    try {
      return MetricsCsv.steps(dir.resolve(MetricsCsv.FILE));
    } catch (NoSuchFileException | UncheckedIOException e) {
      return 0; // being replaced at this very moment
    }
  }

  /** The step of the newest complete checkpoint, -1 when there is none. */
  private long newestCheckpoint() {
    return new CheckpointStore(dir.resolve("checkpoints"), 1)
        .steps().stream().mapToLong(Long::longValue).max().orElse(-1);
  }

  /** Whether a checkpoint's temporary folder is there: a write the kill cut short. */
  private boolean checkpointCutShort() throws IOException {
    Path ckpts = dir.resolve("checkpoints");
    if (!Files.isDirectory(ckpts)) {
      return false;
    }
    try (DirectoryStream<Path> tmp = Files.newDirectoryStream(ckpts, ".tmp-*")) {
      return tmp.iterator().hasNext();
    }
  }

  /** The file's identity (device and inode), null when it does not exist. */
  private static Object fileKey(Path file) throws IOException {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
