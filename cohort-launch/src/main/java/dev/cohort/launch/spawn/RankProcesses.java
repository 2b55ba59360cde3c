package dev.cohort.launch.spawn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The processes of one world's ranks, started by {@link RankSpawner}. Closing it kills whatever
 * still runs and waits for it to go, so no rank outlives its owner, even when the owner fails.
 */
public final class RankProcesses implements AutoCloseable {
  /** Lines of a rank's log quoted in a failure report. */
  public static final int TAIL_LINES = 15;

  private static final long KILL_WAIT_SECONDS = 5;

  private final List<Process> processes;
  private final IntFunction<Path> logFile;

  RankProcesses(List<Process> processes, IntFunction<Path> logFile) {
    this.processes = processes;
    this.logFile = logFile;
  }

  /** Number of ranks. */
  public int size() {
    return processes.size();
  }

  /** Rank {@code r}'s process. */
  public Process get(int r) {
    return processes.get(r);
  }

  /** Every rank's process, rank order. */
  public List<Process> all() {
    return List.copyOf(processes);
  }

  /** Rank {@code r}'s log file, or null when output is not logged. */
  public Path log(int r) {
    return logFile == null ? null : logFile.apply(r);
  }

  /**
   * Waits until every rank has exited, all within {@code timeout}.
   *
   * @param label what the ranks were doing, for the error, e.g. "calibrating the direct path"
   * @throws IOException naming the first rank that failed (exit status, last log lines) or did not
   *     finish in time; every rank is then stopped
   */
  public void awaitSuccess(String label, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int r = 0; r < processes.size(); r++) {
      Process p = processes.get(r);
      long left = deadline - System.nanoTime();
      if (!p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
        close();
        throw new IOException(
            label
                + ": rank "
                + r
                + " did not finish within "
                + timeout.toSeconds()
                + " s"
                + logHint(r));
      }
      if (p.exitValue() != 0) {
        close();
        throw new IOException(
            label + ": rank " + r + " exited with status " + p.exitValue() + logHint(r));
      }
    }
  }

  /**
   * Asks every rank to stop (SIGTERM), then kills (SIGKILL) any still running after {@code grace}.
   */
  public void stop(Duration grace) {
    for (Process p : processes) {
      p.destroy();
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (Process p : processes) {
      try {
        long left = deadline - System.nanoTime();
        if (!p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
          p.destroyForcibly().waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Kills every rank still running (a hung process may not heed SIGTERM) and waits for it. */
  public void kill() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    kill();
  }

  private String logHint(int r) throws IOException {
    Path log = log(r);
    return log == null ? "" : "; last lines of " + log + ":\n" + tail(log);
  }

  /** The last {@value #TAIL_LINES} lines of a log, indented, or a note that there are none. */
  public static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "  (no output)\n";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      return "  (no output)\n";
    }
    StringBuilder sb = new StringBuilder();
    for (String l : lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())) {
      sb.append("  | ").append(l).append('\n');
    }
    return sb.toString();
  }
}
