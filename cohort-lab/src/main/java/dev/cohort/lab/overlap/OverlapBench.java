package dev.cohort.lab.overlap;

import dev.cohort.lab.bench.TrainBench;
import dev.cohort.lab.net.EmulatedNetwork;
import dev.cohort.lab.net.NetworkCondition;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.RunSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cohort bench overlap}: what all-reducing gradients during the backward pass buys ({@code
 * --backward-segments K}), on a model whose step the network dominates, over an emulated link.
 * Every K runs once per round, rounds repeat, so that a slow spell of this shared host spreads over
 * all of them; each run gets a network of its own. Steps before {@value TrainBench#WARMUP} are not
 * timed. {@link OverlapReport} writes the medians.
 */
public final class OverlapBench {

  /**
   * @param network the emulated link, as {@link NetworkCondition#parse} reads it
   * @param namespaces false to emulate it in-process on loopback even where namespaces can be made
   */
  public record Options(
      String model,
      int workers,
      int batch,
      int steps,
      int reps,
      List<Integer> segments,
      String network,
      boolean namespaces,
      Path outDir) {}

  /** One run: throughput and its mean step by phase (rank 0's metrics.csv, timed steps). */
  record Run(int segments, double samplesPerSecond, RunSummary.StepTimes phases) {}

  private final Options opt;
  private final PrintStream out;

  public OverlapBench(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
  }

  /** Runs the study; returns the report it wrote. */
  public Path run() throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("cohort-bench-overlap-");
    NetworkCondition net = NetworkCondition.parse(opt.network());
    Map<Integer, List<Run>> runs = new LinkedHashMap<>();
    String method = "";
    for (int rep = 0; rep < opt.reps(); rep++) {
      for (int k : opt.segments()) {
        Path dir = work.resolve("k" + k + "-rep" + rep);
        try (EmulatedNetwork emulated =
            EmulatedNetwork.open(
                net, opt.workers(), opt.namespaces(), rep, w -> out.println("  warning: " + w))) {
          method = emulated.method();
          Run r = run(k, dir, emulated);
          runs.computeIfAbsent(k, x -> new ArrayList<>()).add(r);
          out.printf(
              Locale.ROOT,
              "  round %d/%d, K=%d: %,8.1f samples/s, step %.1f ms (communication %.1f, wait"
                  + " %.1f)%n",
              rep + 1,
              opt.reps(),
              k,
              r.samplesPerSecond(),
              r.phases().step(),
              r.phases().communication(),
              r.phases().waiting());
        }
      }
    }
    return new OverlapReport(opt, method, runs).write(out);
  }

  private Run run(int segments, Path dir, EmulatedNetwork net)
      throws IOException, InterruptedException {
    TrainConfig cfg =
        TrainConfig.builder()
            .model(opt.model())
            .batch(opt.batch())
            .backwardSegments(segments)
            .maxSteps(opt.steps())
            .testLimit(500)
            .progress(false)
            .runDir(dir)
            .build();
    Breakdown timed = net.timedTraining(cfg, opt.workers(), "overlap run K=" + segments);
    return new Run(
        segments, timed.samples() * opt.workers() / timed.seconds(), timed.perStepMillis());
  }
}
