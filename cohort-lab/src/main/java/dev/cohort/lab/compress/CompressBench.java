package dev.cohort.lab.compress;

import dev.cohort.lab.bench.TrainBench;
import dev.cohort.lab.net.EmulatedNetwork;
import dev.cohort.lab.net.NetworkCondition;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.compress.Compression;
import dev.cohort.train.compress.CompressionSpec;
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
 * {@code cohort bench compress}: the same training (momentum SGD, a few short epochs) with the
 * float32 all-reduce, with fp16 and bf16 on the wire, and with local SGD, over an emulated link;
 * every case once per round, rounds repeated, each run on a network of its own. A run yields its
 * throughput (steps after {@value TrainBench#WARMUP}), bytes sent per step, each epoch's test
 * accuracy and the training time to reach it. {@link CompressReport} writes the medians and the
 * time to a target accuracy.
 */
public final class CompressBench {

  /**
   * @param network the emulated link, as {@link NetworkCondition#parse} reads it
   * @param namespaces false to emulate it in-process on loopback even where namespaces can be made
   * @param target the test accuracy whose training time is compared
   */
  public record Options(
      String model,
      int workers,
      int batch,
      int epochs,
      int trainLimit,
      int reps,
      String network,
      boolean namespaces,
      double target,
      Path outDir) {}

  /** One way to synchronize: a compression, or local SGD every {@code localSgd} steps. */
  public record Case(String label, CompressionSpec compression, int localSgd) {}

  /**
   * The cases compared: float32, fp16, bf16, PowerSGD of rank 1 and 4, top-k of 1%, local SGD every
   * 4 steps.
   */
  public static final List<Case> CASES =
      List.of(
          new Case("float32 all-reduce", CompressionSpec.NONE, 0),
          new Case("fp16 on the wire", CompressionSpec.of(Compression.FP16), 0),
          new Case("bf16 on the wire", CompressionSpec.of(Compression.BF16), 0),
          new Case("PowerSGD, r = 1", CompressionSpec.parse("powersgd:1", null), 0),
          new Case("PowerSGD, r = 4", CompressionSpec.parse("powersgd:4", null), 0),
          new Case("top-k, 1%", CompressionSpec.parse("topk:0.01", null), 0),
          new Case("local SGD, H = 4", CompressionSpec.NONE, 4));

  /** One run: throughput, bytes per step, and per epoch its test accuracy and training time. */
  record Run(
      double samplesPerSecond,
      long sentBytesPerStep,
      List<Double> accuracy,
      List<Double> trainSeconds) {}

  private final Options opt;
  private final PrintStream out;

  public CompressBench(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
  }

  /** Runs the study; returns the report it wrote. */
  public Path run() throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("cohort-bench-compress-");
    NetworkCondition net = NetworkCondition.parse(opt.network());
    Map<Case, List<Run>> runs = new LinkedHashMap<>();
    String method = "";
    for (int rep = 0; rep < opt.reps(); rep++) {
      for (int c = 0; c < CASES.size(); c++) {
        Case k = CASES.get(c);
        try (EmulatedNetwork emulated =
            EmulatedNetwork.open(
                net, opt.workers(), opt.namespaces(), rep, w -> out.println("  warning: " + w))) {
          method = emulated.method();
          Run r = run(k, work.resolve("case" + c + "-rep" + rep), emulated);
          runs.computeIfAbsent(k, x -> new ArrayList<>()).add(r);
          out.printf(
              Locale.ROOT,
              "  round %d/%d, %s: %,8.1f samples/s, %,d bytes sent per step, accuracy %.3f%n",
              rep + 1,
              opt.reps(),
              k.label(),
              r.samplesPerSecond(),
              r.sentBytesPerStep(),
              r.accuracy().get(r.accuracy().size() - 1));
        }
      }
    }
    return new CompressReport(opt, method, runs).write(out);
  }

  private Run run(Case k, Path dir, EmulatedNetwork net) throws IOException, InterruptedException {
    TrainConfig cfg =
        TrainConfig.builder()
            .model(opt.model())
            .optimizer("sgd")
            .momentum(0.9f)
            .learningRate(0.05f)
            .batch(opt.batch())
            .epochs(opt.epochs())
            .trainLimit(opt.trainLimit())
            .testLimit(1000)
            .compression(k.compression())
            .localSgd(k.localSgd())
            .progress(false)
            .runDir(dir)
            .build();
    Breakdown timed = net.timedTraining(cfg, opt.workers(), k.label() + " run");
    RunSummary s = RunSummary.read(dir.resolve(RunSummary.FILE));
    return new Run(
        timed.samples() * opt.workers() / timed.seconds(),
        s.traffic().sentBytesPerStep(),
        s.epochs().stream().map(RunSummary.Epoch::testAccuracy).toList(),
        s.epochs().stream().map(RunSummary.Epoch::trainSeconds).toList());
  }
}
