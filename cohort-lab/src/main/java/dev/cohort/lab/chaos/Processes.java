package dev.cohort.lab.chaos;

import dev.cohort.launch.spawn.RankProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
        .filter(p -> arguments(p).contains(argument))
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
        .filter(p -> arguments(p).stream().anyMatch(a -> a.contains(name)))
        .filter(RankProcesses::isRunning)
        .toList();
  }

  /**
   * The command line of {@code p}, read from /proc where there is one: {@link
   * ProcessHandle.Info#arguments} gives nothing for a command line of a few KiB (a worker started
   * with a test's class path has one), so a worker would go unseen. Empty if it cannot be read.
   */
  static List<String> arguments(ProcessHandle p) {
    Path cmdline = Path.of("/proc", Long.toString(p.pid()), "cmdline");
    try {
      byte[] raw = Files.readAllBytes(cmdline);
      List<String> out = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < raw.length; i++) {
        if (raw[i] == 0) {
          out.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
          start = i + 1;
        }
      }
      return out.isEmpty() ? List.of() : out.subList(1, out.size()); // without the executable
    } catch (IOException | SecurityException e) {
      return p.info().arguments().map(List::of).orElse(List.of()); // no /proc, or gone
    }
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
