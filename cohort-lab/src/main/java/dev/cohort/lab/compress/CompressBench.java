package dev.cohort.lab.compress;

import dev.cohort.comm.EnvKeys;
import dev.cohort.lab.bench.TrainBench;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.net.EmulatedNetwork;
import dev.cohort.lab.net.NetworkCondition;
import dev.cohort.lab.net.PathCalibration;
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
 * float32 all-reduce, with fp16 and bf16 on the wire, with PowerSGD (rank 1 and 4), top-k (1%) and
 * local SGD, over an emulated link; then, twice as many workers on two emulated hosts (a network
 * namespace each, its link shared), the flat all-reduce against the hierarchical one. Every case
 * once per round, rounds repeated, each run on a network of its own. A run yields its throughput
 * (steps after {@value TrainBench#WARMUP}), bytes sent per step, its step's phases, each epoch's
 * test accuracy and the training time to reach it. {@link CompressReport} writes the medians, the
 * time to a target accuracy and the model's step time ({@link SyncPredictions}).
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

  /**
   * One way to synchronize (named in tables, and shortly in plots): a compression, or local SGD
   * every {@code localSgd} steps; on two emulated hosts of {@code workers} each when {@code hosts},
   * all-reducing hierarchically or flat.
   */
  public record Case(
      String label,
      String shortLabel,
      CompressionSpec compression,
      int localSgd,
      boolean hosts,
      boolean hierarchical) {
    Case(String label, String shortLabel, CompressionSpec compression, int localSgd) {
      this(label, shortLabel, compression, localSgd, false, false);
    }
  }

  /**
   * The cases compared: float32, fp16, bf16, PowerSGD of rank 1 and 4, top-k of 1%, local SGD every
   * 4 steps.
   */
  public static final List<Case> CASES =
      List.of(
          new Case("float32 all-reduce", "float32", CompressionSpec.NONE, 0),
          new Case("fp16 on the wire", "fp16", CompressionSpec.of(Compression.FP16), 0),
          new Case("bf16 on the wire", "bf16", CompressionSpec.of(Compression.BF16), 0),
          new Case("PowerSGD, r = 1", "PowerSGD 1", CompressionSpec.parse("powersgd:1", null), 0),
          new Case("PowerSGD, r = 4", "PowerSGD 4", CompressionSpec.parse("powersgd:4", null), 0),
          new Case("top-k, 1%", "top-k 1%", CompressionSpec.parse("topk:0.01", null), 0),
          new Case("local SGD, H = 4", "local SGD 4", CompressionSpec.NONE, 4));

  /** Float32 on two emulated hosts: every worker in one all-reduce, or host by host. */
  public static final List<Case> HOST_CASES =
      List.of(
          new Case("2 hosts, flat all-reduce", "hosts: flat", CompressionSpec.NONE, 0, true, false),
          new Case(
              "2 hosts, hierarchical all-reduce",
              "hosts: hierarchical",
              CompressionSpec.NONE,
              0,
              true,
              true));

  /**
   * One run: throughput, bytes per step, the step's phases (ms), and per epoch its test accuracy
   * and training time.
   */
  record Run(
      double samplesPerSecond,
      long sentBytesPerStep,
      RunSummary.StepTimes stepMillis,
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
    List<Case> cases = new ArrayList<>(CASES);
    cases.addAll(HOST_CASES);
    boolean hosts = true;
    for (int rep = 0; rep < opt.reps(); rep++) {
      for (int c = 0; c < cases.size(); c++) {
        Case k = cases.get(c);
        if (k.hosts() && !hosts) {
          continue;
        }
        int workers = k.hosts() ? 2 * opt.workers() : opt.workers();
        try (EmulatedNetwork emulated =
            EmulatedNetwork.open(
                net,
                workers,
                k.hosts() ? opt.workers() : 1,
                opt.namespaces(),
                rep,
                w -> out.println("  warning: " + w))) {
          method = emulated.method();
          if (k.hosts() && !emulated.separateHosts()) {
            out.println(
                "  warning: hosts cannot be emulated in-process (they need network namespaces:"
                    + " root, without --no-namespaces): hierarchical against flat left out");
            hosts = false;
            continue;
          }
          EmulatedNetwork placed =
              emulated.withEnvironment(
                  Map.of(EnvKeys.COHORT_HIERARCHICAL, Boolean.toString(k.hierarchical())));
          Run r = run(k, workers, work.resolve("case" + c + "-rep" + rep), placed);
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
    out.println("  measuring the path between workers, and the hooks' own work on one worker");
    NetworkModel path =
        PathCalibration.measure(
                work.resolve("path"),
                opt.namespaces(),
                Double.POSITIVE_INFINITY, // the reductions' cost is in the hooks' own work
                w -> out.println("  warning: " + w))
            .get(PathCalibration.pathOf(method));
    SyncPredictions model = SyncPredictions.calibrate(opt, net, path, cases);
    return new CompressReport(opt, method, runs, model).write(out);
  }

  private Run run(Case k, int workers, Path dir, EmulatedNetwork net)
      throws IOException, InterruptedException {
    TrainConfig cfg =
        TrainConfig.builder()
            .model(opt.model())
            .optimizer("sgd")
            .momentum(0.9f)
            .learningRate(0.05f)
            // The hosts' twice as many workers take half the batch each: the same global batch.
            .batch(k.hosts() ? Math.max(1, opt.batch() / 2) : opt.batch())
            .epochs(opt.epochs())
            .trainLimit(opt.trainLimit())
            .testLimit(1000)
            .compression(k.compression())
            .localSgd(k.localSgd())
            .progress(false)
            .runDir(dir)
            .build();
    Breakdown timed = net.timedTraining(cfg, workers, k.label() + " run");
    RunSummary s = RunSummary.read(dir.resolve(RunSummary.FILE));
    return new Run(
        timed.samples() * workers / timed.seconds(),
        s.traffic().sentBytesPerStep(),
        timed.perStepMillis(),
        s.epochs().stream().map(RunSummary.Epoch::testAccuracy).toList(),
        s.epochs().stream().map(RunSummary.Epoch::trainSeconds).toList());
  }
}
