package dev.cohort.cli.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cohort.cli.launch.LocalLauncher;
import dev.cohort.lab.net.EmulatedNetwork;
import dev.cohort.lab.net.NetworkCondition;
import dev.cohort.lab.sweep.RunFolder;
import dev.cohort.lab.sweep.RunResult;
import dev.cohort.lab.sweep.RunSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs each configuration of a sweep as a real multi-process training job on its emulated network
 * and collects what it measured. Progress goes to the console; every finished run is added to
 * {@code runs.json} at once, so an interrupted sweep keeps what it did.
 */
final class SweepRunner {
  private final Path runsDir;
  private final boolean namespaces;
  private final PrintStream out;
  private final int cores = Runtime.getRuntime().availableProcessors();

  SweepRunner(Path runsDir, boolean namespaces, PrintStream out) {
    this.runsDir = runsDir;
    this.namespaces = namespaces;
    this.out = out;
  }

  List<RunResult> run(List<RunSpec> specs) throws IOException, InterruptedException {
    List<RunResult> results = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < specs.size(); i++) {
      RunSpec s = specs.get(i);
      out.printf(Locale.ROOT, "[%d/%d] %-9s %s, %d worker(s), global batch %d, %s, %s ... ", i + 1,
          specs.size(), s.group(), s.model(), s.workers(), s.globalBatch(), s.algorithm(),
          s.network());
      out.flush();
      RunResult r = runOne(s);
      results.add(r);
      out.printf(Locale.ROOT, "%.1f ms/step, %,.0f samples/s%s (%.0f s elapsed)%n",
          r.measured().stepMs(), r.measured().samplesPerSecond(),
          r.measured().testAccuracy().isEmpty() ? "" : String.format(Locale.ROOT,
              ", test accuracy %.4f", r.measured().finalTestAccuracy()),
          (System.nanoTime() - t0) / 1e9);
      save(results, runsDir.resolve("runs.json"));
    }
    return results;
  }

  static void save(List<RunResult> results, Path file) throws IOException {
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), results);
  }

  private RunResult runOne(RunSpec spec) throws IOException, InterruptedException {
    NetworkCondition condition = NetworkCondition.parse(spec.network());
    Path dir = runsDir.resolve(spec.id());
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    try (EmulatedNetwork net = EmulatedNetwork.open(condition, spec.workers(), namespaces,
        spec.seed(), w -> out.println("\n  warning: " + w))) {
      int threads = spec.threads() > 0 ? spec.threads() : Math.max(1, cores / spec.workers());
      List<String> args = new ArrayList<>(List.of("worker", "--run-dir", dir.toString()));
      args.addAll(spec.workerArgs());
      LocalLauncher.Outcome o = new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
          .hangTimeout(Duration.ofMinutes(5))
          .placement(new LocalLauncher.Placement() {
            @Override
            public List<String> commandPrefix(int rank) {
              return net.commandPrefix(rank);
            }

            @Override
            public Map<String, String> environment(int rank) {
              return net.environment(rank);
            }
          })
          .run(spec.workers(), args, dir, net.storeHost(), 0, threads,
              List.of("-Djava.awt.headless=true"));
      if (o.exitCode() != 0) {
        throw new IllegalStateException("sweep run " + spec.id() + " failed on "
            + net.method() + ": " + o.report());
      }
      return new RunResult(spec, net.method(), RunFolder.read(dir), null);
    }
  }
}
