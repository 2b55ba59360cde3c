package dev.cohort.launch.program;

import dev.cohort.launch.elastic.WorkerRange;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * What {@code cohort run} runs, validated once when made.
 *
 * @param command the program and its arguments, the same for every rank
 * @param workers how many processes: N, or MIN:MAX to go on with fewer after a failure
 * @param maxRestarts how often the whole world is restarted after a failure, 0 for never
 * @param hangTimeout how long the world may write no output before it counts as hung; 0: never
 * @param runDir the run folder: rank logs, and the program's own checkpoints
 */
public record ProgramRun(
    List<String> command, WorkerRange workers, int maxRestarts, Duration hangTimeout, Path runDir) {

  /**
   * @throws IllegalArgumentException one line naming the option when something does not fit
   */
  public ProgramRun {
    command = List.copyOf(command);
    if (command.isEmpty() || command.get(0).isBlank()) {
      throw new IllegalArgumentException(
          "no program to run: give it after --, e.g. "
              + "cohort run --nproc 2 -- java -cp app.jar com.example.Main");
    }
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("--max-restarts must be >= 0, got " + maxRestarts);
    }
    if (hangTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "--hang-timeout must be >= 0 seconds, got " + hangTimeout.toSeconds());
    }
    if (runDir == null) {
      runDir = defaultRunDir(workers);
    }
  }

  /** {@code runs/<time>-run-np<N>}, N being the most processes the run starts. */
  public static Path defaultRunDir(WorkerRange workers) {
    return Path.of(
        "runs",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
            + "-run-np"
            + workers.max());
  }
}
