package dev.cohort.lab.chaos;

import dev.cohort.launch.spawn.RankProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The processes of a chaos run: finding them by their command line, and waiting for them to go. */
final class Processes {
  private static final long POLL_MILLIS = 5;

  private Processes() {}

  /**
   * How a set of processes went.
   *
   * @param firstSeconds from the start of the wait until the first had exited
   * @param lastSeconds until the last had exited (the deadline when some still run)
   * @param orphans those still running at the deadline (they have been SIGKILLed since)
   */
  record Gone(double firstSeconds, double lastSeconds, List<Long> orphans) {}

  /** Running processes other than this one with {@code argument} as one of their arguments. */
  static List<ProcessHandle> withArgument(String argument) {
    long self = ProcessHandle.current().pid();
    return ProcessHandle.allProcesses()
        .filter(p -> p.pid() != self)
        .filter(p -> p.info().arguments().map(a -> List.of(a).contains(argument)).orElse(false))
        .filter(RankProcesses::isRunning)
        .toList();
  }

  /**
   * Running processes other than this one whose command line names {@code folder} or anything in
   * it.
   */
  static List<ProcessHandle> naming(Path folder) {
    long self = ProcessHandle.current().pid();
    String name = folder.toAbsolutePath().toString();
    return ProcessHandle.allProcesses()
        .filter(p -> p.pid() != self)
        .filter(p -> p.info().commandLine().map(c -> c.contains(name)).orElse(false))
        .filter(RankProcesses::isRunning)
        .toList();
  }

  /**
   * Waits until none of {@code processes} runs (a zombie counts as gone), timing from {@code
   * sinceNanos} ({@link System#nanoTime()}). Those still running after {@code deadline} are
   * SIGKILLed and named in the result.
   */
  static Gone awaitGone(List<ProcessHandle> processes, long sinceNanos, Duration deadline)
      throws InterruptedException {
    List<ProcessHandle> left = new ArrayList<>(processes);
    double first = Double.NaN;
    while (true) {
      left.removeIf(p -> !RankProcesses.isRunning(p));
      long now = System.nanoTime();
      double seconds = (now - sinceNanos) / 1e9;
      if (left.size() < processes.size() && Double.isNaN(first)) {
        first = seconds;
      }
      if (left.isEmpty()) {
        return new Gone(Double.isNaN(first) ? seconds : first, seconds, List.of());
      }
      if (now - sinceNanos >= deadline.toNanos()) {
        left.forEach(ProcessHandle::destroyForcibly);
        return new Gone(first, seconds, left.stream().map(ProcessHandle::pid).toList());
      }
      TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
    }
  }
}
