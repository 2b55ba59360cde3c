package dev.cohort.launch.spawn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The processes of one world's ranks, started by {@link RankSpawner}. Closing it kills whatever
 * still runs and waits for it to go, so no rank outlives its owner, even when the owner fails.
 * Stopping and killing reach the processes a rank started too (a shell script's children), like a
 * signal to a process group: those alive when asked, and those {@link #track()} has seen.
 */
public final class RankProcesses implements AutoCloseable {
  /** Lines of a rank's log quoted in a failure report. */
  public static final int TAIL_LINES = 15;

  private static final long KILL_WAIT_SECONDS = 5;
  private static final long EXIT_POLL_MILLIS = 10;

  private final List<Process> processes;
  private final IntFunction<Path> logFile;
  private final Set<ProcessHandle> descendants = ConcurrentHashMap.newKeySet();

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
   * Remembers the processes the ranks have started so far (their descendants), so that {@link
   * #stop} and {@link #kill} end them too even after their rank has exited: an orphan is no longer
   * anyone's descendant. Launchers call it while they watch; stop and kill call it themselves.
   */
  public void track() {
    Set<Long> ranks = new HashSet<>();
    processes.forEach(p -> ranks.add(p.pid()));
    // One scan of the process table (about a millisecond per hundred processes), not one per rank.
    ProcessHandle.current()
        .descendants()
        .filter(h -> !ranks.contains(h.pid()) && descendsFrom(h, ranks))
        .forEach(descendants::add);
    descendants.removeIf(h -> !isRunning(h));
  }

  private static boolean descendsFrom(ProcessHandle h, Set<Long> ranks) {
    for (Optional<ProcessHandle> p = h.parent(); p.isPresent(); p = p.get().parent()) {
      if (ranks.contains(p.get().pid())) {
        return true;
      }
      if (p.get().pid() == ProcessHandle.current().pid()) {
        return false;
      }
    }
    return false;
  }

  /**
   * Asks every rank and every process it started to stop (SIGTERM), then kills (SIGKILL) whatever
   * still runs after {@code grace}.
   */
  public void stop(Duration grace) {
    List<ProcessHandle> started = descendants();
    // Signalled through their handles: Process.destroy would also close the output pipe, and a
    // rank's last words (a graceful stop's report) would never reach its log.
    processes.forEach(p -> p.toHandle().destroy());
    started.forEach(ProcessHandle::destroy);
    awaitExit(started, grace);
    kill();
  }

  /**
   * Kills every rank still running and every process it started (a hung process may not heed
   * SIGTERM), and waits for them.
   */
  public void kill() {
    List<ProcessHandle> started = descendants();
    processes.forEach(p -> p.toHandle().destroyForcibly());
    started.forEach(ProcessHandle::destroyForcibly);
    awaitExit(started, Duration.ofSeconds(KILL_WAIT_SECONDS));
  }

  /** Every process the ranks started that still runs, as seen now and by {@link #track()}. */
  private List<ProcessHandle> descendants() {
    track();
    return List.copyOf(descendants);
  }

  /**
   * Waits, at most {@code timeout}, until no rank and none of {@code started} runs any more. The
   * ranks are this JVM's children, reaped by it; the others are polled.
   */
  private void awaitExit(List<ProcessHandle> started, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      for (Process p : processes) {
        p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      List<ProcessHandle> left = new ArrayList<>(started);
      while (true) {
        left.removeIf(h -> !isRunning(h));
        if (left.isEmpty() || System.nanoTime() - deadline >= 0) {
          return;
        }
        Thread.sleep(EXIT_POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether a process still runs: alive, and not a zombie. An orphan that has exited stays a zombie
   * until init reaps it, which some container inits do only every second or two, and {@link
   * ProcessHandle#isAlive()} counts a zombie as alive; on Linux {@code /proc/<pid>/stat} tells them
   * apart.
   */
  public static boolean isRunning(ProcessHandle h) {
    if (!h.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
      int name = stat.lastIndexOf(')'); // the state follows the command name: "pid (name) S ..."
      return name < 0 || name + 2 >= stat.length() || stat.charAt(name + 2) != 'Z';
    } catch (IOException | RuntimeException e) {
      return h.isAlive(); // no /proc (not Linux), or the process is gone
    }
  }

  @Override
  public void close() {
    kill();
  }

  private String logHint(int r) throws IOException {
    Path log = log(r);
    return log == null ? "" : "; last lines of " + log + ":\n" + tail(log, r);
  }

  /** The last {@value #TAIL_LINES} lines of a log, indented, or a note that there are none. */
  public static String tail(Path log) throws IOException {
    return tail(log, "the process");
  }

  /**
   * The last {@value #TAIL_LINES} lines of rank r's log, indented, or "(rank r wrote nothing)" when
   * it has none but blank ones.
   */
  public static String tail(Path log, int rank) throws IOException {
    return tail(log, "rank " + rank);
  }

  private static String tail(Path log, String who) throws IOException {
    String nothing = "  (" + who + " wrote nothing)\n";
    if (!Files.exists(log)) {
      return nothing;
    }
    List<String> lines =
        Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
    if (lines.isEmpty()) {
      return nothing;
    }
    StringBuilder sb = new StringBuilder();
    for (String l : lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())) {
      sb.append("  | ").append(l).append('\n');
    }
    return sb.toString();
  }
}
