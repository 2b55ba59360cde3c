package dev.cohort.lab.calibrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.comm.DataType;
import dev.cohort.comm.EnvKeys;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Secrets;
import dev.cohort.lab.bench.BenchMath;
import dev.cohort.lab.bench.CommBenchWorker;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.net.PathCalibration;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.launch.spawn.RankProcesses;
import dev.cohort.launch.spawn.RankSpawner;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.StepRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures a {@link MachineCalibration} on this machine: compute time per sample of each model on
 * one core and optimizer time per parameter (short single-worker training runs), reduction speed,
 * and α and β of all-reduce over TCP (a least-squares fit of 2-process ring times).
 */
public final class CalibrationRun {
  private static final Map<String, Double> PARAMETERS = Map.of("mlp", 235_146.0, "cnn", 421_642.0);
  private static final int BATCH = 64;
  private static final int STEPS = 80;
  private static final int UNTIMED_STEPS = 20;
  private static final Duration TCP_TIMEOUT = Duration.ofMinutes(5);

  private final Path work;
  private final PrintStream out;

  /** Measures in {@code work} (training runs, logs), printing each figure to {@code out}. */
  public CalibrationRun(Path work, PrintStream out) {
    this.work = work;
    this.out = out;
  }

  /** Runs every measurement; a few minutes on 2 cores. */
  public MachineCalibration measure() throws IOException, InterruptedException {
    Map<String, Double> compute = new LinkedHashMap<>();
    List<Double> optimizer = new ArrayList<>();
    for (String model : List.of("mlp", "cnn")) {
      double[] ms = trainOneWorker(model);
      compute.put(model, ms[0] / 1000 / BATCH);
      optimizer.add(ms[1] / 1000 / PARAMETERS.get(model));
      out.printf(
          Locale.ROOT,
          "%s: %.3f ms per sample forward+backward on one core%n",
          model,
          ms[0] / BATCH);
    }
    double reduce = reduceGBps();
    out.printf(Locale.ROOT, "reduction: %.2f GB/s%n", reduce);
    NetworkModel tcp = tcpAlphaBeta(reduce);
    out.printf(
        Locale.ROOT,
        "TCP loopback: alpha %.1f µs, bandwidth %.2f GB/s%n",
        tcp.alphaSeconds() * 1e6,
        1 / tcp.betaSecondsPerByte() / 1e9);
    return new MachineCalibration(
        compute,
        optimizer.stream().mapToDouble(d -> d).average().orElse(0),
        reduce,
        tcp.alphaSeconds(),
        tcp.betaSecondsPerByte());
  }

  /** Mean forward+backward and optimizer milliseconds per step of one single-thread worker. */
  private double[] trainOneWorker(String model) throws IOException, InterruptedException {
    Path dir = work.resolve(model);
    WorkerArgs worker =
        WorkerArgs.of(
            TrainConfig.builder()
                .model(model)
                .batch(BATCH)
                .maxSteps(STEPS)
                .testLimit(200)
                .progress(false)
                .runDir(dir)
                .build());
    Outcome o =
        new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
            .run(1, worker.command().withThreads(1), dir);
    if (!o.succeeded()) {
      throw new IOException("the " + model + " calibration run failed: " + o.report());
    }
    List<StepRecord> steps = MetricsCsv.read(dir.resolve(MetricsCsv.FILE));
    double fb = 0;
    double opt = 0;
    int n = 0;
    for (StepRecord r : steps.subList(UNTIMED_STEPS, steps.size())) {
      fb += r.computeMs();
      opt += r.optimizerMs();
      n++;
    }
    return new double[] {fb / n, opt / n};
  }

  private static double reduceGBps() {
    int n = 16 << 20;
    ByteBuffer a = ByteBuffer.allocateDirect(n * 4);
    ByteBuffer b = ByteBuffer.allocateDirect(n * 4);
    List<Double> rates = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      long t0 = System.nanoTime();
      ReduceOp.SUM.reduceInto(DataType.FLOAT32, a, b, n);
      rates.add(n * 4.0 / ((System.nanoTime() - t0) / 1e9) / 1e9);
    }
    return BenchMath.median(rates.subList(2, rates.size()));
  }

  /** α and β of 2-process ring all-reduces over TCP loopback (fitted as PathCalibration does). */
  private NetworkModel tcpAlphaBeta(double reduceGBps) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path result = work.resolve("tcp.json");
    String portArg = String.valueOf(port);
    try (RankProcesses procs =
        RankSpawner.of(2)
            .command(
                r ->
                    JavaCommand.of(
                            CommBenchWorker.class.getName(),
                            List.of(
                                "" + r,
                                "2",
                                portArg,
                                result.toString(),
                                "200",
                                "4096,65536,262144,1048576,4194304,16777216"))
                        .toList())
            .environment(
                Map.of(
                    EnvKeys.COHORT_SECRET,
                    Secrets.generate(),
                    EnvKeys.COHORT_TRANSPORT,
                    "tcp",
                    EnvKeys.COHORT_ALLREDUCE_ALGO,
                    "ring"))
            .logs(r -> work.resolve("tcp-" + r + ".log"))
            .start()) {
      procs.awaitSuccess("the TCP measurement", TCP_TIMEOUT);
    }
    JsonNode rows = new ObjectMapper().readTree(result.toFile()).get("results");
    return PathCalibration.fit(rows, reduceGBps * 1e9);
  }
}
