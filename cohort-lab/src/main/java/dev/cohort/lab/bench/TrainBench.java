package dev.cohort.lab.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainConfigBuilder;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.StepRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * {@code cohort bench train}: training throughput of Cohort against PyTorch DDP on gloo, same
 * models, data, optimizer (Adam), per-worker batch and threads, alternating runs, medians. Steps
 * before {@value #WARMUP} are excluded on both sides (JIT and allocator warm-up).
 */
public final class TrainBench {
  public static final int WARMUP = 20;

  /** Options: models, process counts, steps per run, repetitions, output folder, the peer. */
  public record Options(
      List<String> models,
      List<Integer> nps,
      int batch,
      int steps,
      int reps,
      Path python,
      Path peerScript,
      Path outDir) {}

  private final Options opt;
  private final PrintStream out;

  /** model -> np -> impl -> samples/s of each run. */
  private final Map<String, Map<Integer, Map<String, List<Double>>>> runs = new LinkedHashMap<>();

  /** Samples/s of the overlap study's runs, by "overlapped" / "sequential". */
  private final Map<String, List<Double>> overlapRuns = new LinkedHashMap<>();

  /** model -> np -> the Cohort run's mean step breakdown (ms), from its last repetition. */
  private final Map<String, Map<Integer, Map<String, Double>>> breakdowns = new LinkedHashMap<>();

  public TrainBench(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
  }

  public Path run() throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("cohort-bench-train-");
    for (int rep = 0; rep < opt.reps(); rep++) {
      for (String model : opt.models()) {
        for (int np : opt.nps()) {
          int threads = JavaCommand.threadsPerWorker(np);
          Path dir = work.resolve(model + "-np" + np + "-rep" + rep);
          record(model, np, "cohort", cohort(run(model, dir).build(), np, threads));
          if (opt.python() != null) {
            record(model, np, "pytorch-ddp", ddp(model, np, threads, dir));
          }
        }
      }
      // What overlapping buys: the CNN cut into 4 buckets, reduced while the next is packed or not.
      if (opt.models().contains("cnn") && opt.nps().contains(2)) {
        for (boolean overlap : new boolean[] {true, false}) {
          String label = overlap ? "overlapped" : "sequential";
          TrainConfig cnn =
              run("cnn", work.resolve("overlap-" + label + "-rep" + rep))
                  .bucketBytes(WorkerArgs.bucketBytes(0.45))
                  .overlap(overlap)
                  .build();
          overlapRuns
              .computeIfAbsent(label, k -> new ArrayList<>())
              .add(cohort(cnn, 2, JavaCommand.threadsPerWorker(2)));
          out.printf(
              Locale.ROOT,
              "  cnn  2 worker(s) 4 buckets, %s: %,8.0f samples/s%n",
              label,
              overlapRuns.get(label).get(overlapRuns.get(label).size() - 1));
        }
      }
    }
    return write();
  }

  private void record(String model, int np, String impl, double samplesPerSecond) {
    runs.computeIfAbsent(model, k -> new LinkedHashMap<>())
        .computeIfAbsent(np, k -> new LinkedHashMap<>())
        .computeIfAbsent(impl, k -> new ArrayList<>())
        .add(samplesPerSecond);
    out.printf(
        Locale.ROOT,
        "  %-4s %d worker(s) %-12s %,8.0f samples/s%n",
        model,
        np,
        impl,
        samplesPerSecond);
  }

  /** A run of {@code model} in {@code dir}: the options' batch and steps, no progress bar. */
  private TrainConfigBuilder run(String model, Path dir) {
    return TrainConfig.builder()
        .model(model)
        .batch(opt.batch())
        .maxSteps(opt.steps())
        .testLimit(500)
        .progress(false)
        .runDir(dir);
  }

  /** Samples/s of {@code cfg} trained by {@code np} workers, timed after the first steps. */
  private double cohort(TrainConfig cfg, int np, int threads)
      throws IOException, InterruptedException {
    Path dir = cfg.runDir();
    Outcome o =
        new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
            .run(np, WorkerArgs.of(cfg).command().withThreads(threads), dir);
    if (o.exitCode() != 0) {
      throw new IOException("Cohort run failed: " + o.report());
    }
    List<StepRecord> all = MetricsCsv.read(dir.resolve(MetricsCsv.FILE));
    List<StepRecord> timed = all.subList(WARMUP, all.size());
    Map<String, Double> b = new LinkedHashMap<>();
    b.put("data", sum(timed, StepRecord::dataMs) / timed.size());
    b.put("forward_backward", sum(timed, StepRecord::computeMs) / timed.size());
    b.put("communication", sum(timed, StepRecord::commMs) / timed.size());
    b.put("wait", sum(timed, StepRecord::waitMs) / timed.size());
    b.put("optimizer", sum(timed, StepRecord::optimizerMs) / timed.size());
    b.put("step", sum(timed, StepRecord::totalMs) / timed.size());
    breakdowns.computeIfAbsent(cfg.model(), k -> new LinkedHashMap<>()).put(np, b);
    double ms = sum(timed, StepRecord::totalMs);
    int steps = timed.size();
    return steps * (double) opt.batch() * np / (ms / 1000);
  }

  private static double sum(List<StepRecord> steps, ToDoubleFunction<StepRecord> ms) {
    double sum = 0;
    for (StepRecord r : steps) {
      sum += ms.applyAsDouble(r);
    }
    return sum;
  }

  private double ddp(String model, int np, int threads, Path dir)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path result = dir.resolve("ddp.json");
    List<Process> procs = new ArrayList<>();
    try {
      for (int r = 0; r < np; r++) {
        ProcessBuilder pb =
            new ProcessBuilder(
                    opt.python().toString(),
                    opt.peerScript().toString(),
                    "" + r,
                    "" + np,
                    "" + port,
                    result.toString(),
                    model,
                    "" + opt.batch(),
                    "" + (opt.steps()),
                    "" + threads)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("ddp-rank" + r + ".log").toFile());
        pb.environment().put("OMP_NUM_THREADS", "" + threads);
        procs.add(pb.start());
      }
      for (Process p : procs) {
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IOException("PyTorch DDP run failed; see " + dir.resolve("ddp-rank0.log"));
        }
      }
    } finally {
      procs.forEach(Process::destroyForcibly);
    }
    return new ObjectMapper().readTree(result.toFile()).get("samples_per_second").asDouble();
  }

  private Path write() throws IOException {
    Files.createDirectories(opt.outDir());
    StringBuilder md = new StringBuilder("# Training throughput: Cohort vs PyTorch DDP (gloo)\n\n");
    md.append("Generated by `bin/cohort bench train` on ")
        .append(Instant.now())
        .append(". Fashion-MNIST, ")
        .append("Adam, batch ")
        .append(opt.batch())
        .append(" per worker, ")
        .append(opt.steps())
        .append(" steps per run of which the first ")
        .append(WARMUP)
        .append(" are not timed; ")
        .append("libtorch threads per worker = cores / workers, for both. ")
        .append(opt.reps())
        .append(
            " alternating repetitions, medians. Speedup and scaling efficiency are relative to ")
        .append("the same implementation with 1 worker.\n\n");
    md.append(
        "| model | workers | Cohort samples/s | DDP samples/s | Cohort / DDP | Cohort speedup | "
            + "Cohort efficiency | DDP speedup | Cohort comm+wait share |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    Map<String, Object> json = new LinkedHashMap<>();
    for (var m : runs.entrySet()) {
      double c1 =
          BenchMath.median(
              m.getValue().getOrDefault(1, Map.of()).getOrDefault("cohort", List.of()));
      double d1 =
          BenchMath.median(
              m.getValue().getOrDefault(1, Map.of()).getOrDefault("pytorch-ddp", List.of()));
      for (var n : m.getValue().entrySet()) {
        int np = n.getKey();
        double c = BenchMath.median(n.getValue().getOrDefault("cohort", List.of()));
        double d = BenchMath.median(n.getValue().getOrDefault("pytorch-ddp", List.of()));
        Map<String, Double> b = breakdowns.get(m.getKey()).get(np);
        double share = (b.get("communication") + b.get("wait")) / b.get("step");
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %,.0f | %,.0f | %.2fx | %.2fx | %.0f%% | %.2fx | %.0f%% |%n",
                m.getKey(),
                np,
                c,
                d,
                c / d,
                c / c1,
                100 * c / c1 / np,
                d / d1,
                100 * share));
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("cohort_samples_per_second", c);
        row.put("ddp_samples_per_second", d);
        row.put("ratio", c / d);
        row.put("cohort_speedup", c / c1);
        row.put("cohort_scaling_efficiency", c / c1 / np);
        row.put("ddp_speedup", d / d1);
        row.put("cohort_step_ms", b);
        row.put("runs", n.getValue());
        json.put(m.getKey() + "/np" + np, row);
      }
    }
    if (!overlapRuns.isEmpty()) {
      double on = BenchMath.median(overlapRuns.get("overlapped"));
      double off = BenchMath.median(overlapRuns.get("sequential"));
      md.append(
          String.format(
              Locale.ROOT,
              "%nOverlap: the CNN with 2 workers and gradients in 4 "
                  + "buckets of about 0.45 MB runs at %,.0f samples/s when each bucket is all-reduced while "
                  + "the next is packed, and %,.0f samples/s when not: overlap buys %+.1f%%.%n",
              on,
              off,
              100 * (on / off - 1)));
      json.put(
          "overlap_study",
          Map.of(
              "overlapped",
              overlapRuns.get("overlapped"),
              "sequential",
              overlapRuns.get("sequential")));
    }
    Path mdPath = opt.outDir().resolve("train.md");
    Files.writeString(mdPath, md);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(opt.outDir().resolve("train.json").toFile(), json);
    out.println();
    out.print(md);
    out.println("Wrote " + mdPath + " and " + opt.outDir().resolve("train.json"));
    return mdPath;
  }
}
