package dev.cohort.lab.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cohort.lab.net.EmulatedNetwork;
import dev.cohort.lab.net.NetworkCondition;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Runs each configuration of a sweep as a real multi-process training job on its emulated network
 * and collects what it measured. Progress goes to the console; after every round the results so far
 * are written to {@code runs.json}, so an interrupted sweep keeps what it did.
 */
public final class SweepRunner {
  private final Path runsDir;
  private final boolean namespaces;
  private final PrintStream out;

  public SweepRunner(Path runsDir, boolean namespaces, PrintStream out) {
    this.runsDir = runsDir;
    this.namespaces = namespaces;
    this.out = out;
  }

  /**
   * Runs every configuration {@code repeats} times, in rounds (the whole grid, then again), so that
   * a slow spell of this host spreads over all configurations instead of spoiling one; each result
   * is the repetition with the median step time.
   */
  public List<RunResult> run(List<RunSpec> specs, int repeats)
      throws IOException, InterruptedException {
    List<List<RunResult>> byRun = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      byRun.add(new ArrayList<>());
    }
    long t0 = System.nanoTime();
    List<RunResult> results = new ArrayList<>();
    for (int round = 0; round < repeats; round++) {
      for (int i = 0; i < specs.size(); i++) {
        RunSpec s = specs.get(i);
        out.printf(
            Locale.ROOT,
            "[%s%d/%d] %-9s %s, %d worker(s), global batch %d, %s, %s ... ",
            repeats > 1 ? "round " + (round + 1) + "/" + repeats + ", " : "",
            i + 1,
            specs.size(),
            s.group(),
            s.model(),
            s.workers(),
            s.globalBatch(),
            s.algorithm(),
            s.network());
        out.flush();
        RunResult r = runOne(s, repeats > 1 ? "-r" + (round + 1) : "");
        byRun.get(i).add(r);
        out.printf(
            Locale.ROOT,
            "%.1f ms/step, %,.0f samples/s%s (%.0f s elapsed)%n",
            r.measured().stepMs(),
            r.measured().samplesPerSecond(),
            r.measured().testAccuracy().isEmpty()
                ? ""
                : String.format(
                    Locale.ROOT, ", test accuracy %.4f", r.measured().finalTestAccuracy()),
            (System.nanoTime() - t0) / 1e9);
      }
      results = byRun.stream().map(SweepRunner::median).toList();
      save(results, runsDir.resolve("runs.json"));
    }
    return results;
  }

  /** The repetition with the median step time, carrying every repetition's step time. */
  private static RunResult median(List<RunResult> reps) {
    List<RunResult> sorted =
        reps.stream().sorted(Comparator.comparingDouble(r -> r.measured().stepMs())).toList();
    RunResult mid = sorted.get((sorted.size() - 1) / 2);
    return new RunResult(
        mid.spec(),
        mid.method(),
        mid.measured(),
        null,
        reps.stream().map(r -> r.measured().stepMs()).toList());
  }

  /** Writes runs, or a whole sweep, as indented JSON. */
  public static void save(Object results, Path file) throws IOException {
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(file.toFile(), results);
  }

  private RunResult runOne(RunSpec spec, String suffix) throws IOException, InterruptedException {
    NetworkCondition condition = NetworkCondition.parse(spec.network());
    Path dir = runsDir.resolve(spec.id() + suffix);
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    try (EmulatedNetwork net =
        EmulatedNetwork.open(
            condition,
            spec.workers(),
            namespaces,
            spec.seed(),
            w -> out.println("\n  warning: " + w))) {
      int threads =
          spec.threads() > 0 ? spec.threads() : JavaCommand.threadsPerWorker(spec.workers());
      WorkerArgs worker = WorkerArgs.of(spec.trainConfig(dir));
      Outcome o =
          new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
              .hangTimeout(Duration.ofMinutes(5))
              .placement(net)
              .store(net.storeHost(), 0)
              .run(spec.workers(), worker.command().withThreads(threads), dir);
      if (o.exitCode() != 0) {
        throw new IllegalStateException(
            "sweep run " + spec.id() + " failed on " + net.method() + ": " + o.report());
      }
      return new RunResult(spec, net.method(), RunFolder.read(dir), null, List.of());
    }
  }
}
