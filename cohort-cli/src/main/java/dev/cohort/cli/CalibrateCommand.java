package dev.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cohort.cli.launch.LocalLauncher;
import dev.cohort.comm.collective.Reductions;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.net.PathCalibration;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort lab calibrate}: measures what the planner's model needs on this machine — compute
 * time per sample of each model on one core, optimizer time per parameter, reduction speed, and
 * α and β of all-reduce over TCP (a least-squares fit of 2-process ring times) — and writes them
 * to calibration.json for {@code cohort plan}.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
    description = "Measure compute, optimizer, reduction and network costs for cohort plan.")
final class CalibrateCommand implements Callable<Integer> {
  private static final Map<String, Double> PARAMS = Map.of("mlp", 235_146.0, "cnn", 421_642.0);

  @Option(names = "--out", defaultValue = "docs/benchmarks", description = "Folder for calibration.json (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("cohort-calibrate-");
    Map<String, Object> cal = new LinkedHashMap<>();
    Map<String, Double> compute = new LinkedHashMap<>();
    List<Double> optimizer = new ArrayList<>();
    for (String model : List.of("mlp", "cnn")) {
      Path dir = work.resolve(model);
      LocalLauncher.Outcome o = new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
          .run(1, List.of("worker", "--model", model, "--batch", "64", "--max-steps", "80",
              "--test-limit", "200", "--no-progress", "--run-dir", dir.toString()), dir,
              "127.0.0.1", 0, 1, List.of());
      if (o.exitCode() != 0) {
        System.err.println("cohort lab calibrate: " + o.report());
        return 1;
      }
      List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
      double fb = 0;
      double opt = 0;
      int n = 0;
      for (String line : lines.subList(21, lines.size())) {
        String[] f = line.split(",");
        fb += Double.parseDouble(f[5]);
        opt += Double.parseDouble(f[8]);
        n++;
      }
      compute.put(model, fb / n / 1000 / 64);
      optimizer.add(opt / n / 1000 / PARAMS.get(model));
      System.out.printf(Locale.ROOT, "%s: %.3f ms per sample forward+backward on one core%n", model,
          fb / n / 64);
    }
    cal.put("compute_seconds_per_sample", compute);
    cal.put("optimizer_seconds_per_parameter", optimizer.stream().mapToDouble(d -> d).average().orElse(0));
    double reduce = reduceGBps();
    cal.put("reduce_GBps", reduce);
    System.out.printf(Locale.ROOT, "reduction: %.2f GB/s%n", reduce);
    double[] ab = alphaBeta(work, reduce);
    cal.put("tcp_loopback_alpha_seconds", ab[0]);
    cal.put("tcp_loopback_beta_seconds_per_byte", ab[1]);
    System.out.printf(Locale.ROOT, "TCP loopback: alpha %.1f µs, bandwidth %.2f GB/s%n", ab[0] * 1e6,
        1 / ab[1] / 1e9);
    Files.createDirectories(out);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("calibration.json").toFile(), cal);
    System.out.println("Wrote " + out.resolve("calibration.json"));
    return 0;
  }

  private static double reduceGBps() {
    int n = 16 << 20;
    ByteBuffer a = ByteBuffer.allocateDirect(n * 4);
    ByteBuffer b = ByteBuffer.allocateDirect(n * 4);
    List<Double> rates = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      long t0 = System.nanoTime();
      Reductions.reduceInto(DataType.FLOAT32, ReduceOp.SUM, a, 0, b, 0, n);
      rates.add(n * 4.0 / ((System.nanoTime() - t0) / 1e9) / 1e9);
    }
    return dev.cohort.lab.bench.BenchMath.median(rates.subList(2, rates.size()));
  }

  /** α and β of 2-process ring all-reduces over TCP loopback (fitted as PathCalibration does). */
  private static double[] alphaBeta(Path work, double reduceGBps) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path result = work.resolve("tcp.json");
    List<Process> procs = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
          .toString(), "-cp", System.getProperty("java.class.path"),
          dev.cohort.lab.bench.CommBenchWorker.class.getName(), "" + r, "2", "" + port,
          result.toString(), "200", "4096,65536,262144,1048576,4194304,16777216")
          .redirectErrorStream(true).redirectOutput(work.resolve("tcp-" + r + ".log").toFile());
      pb.environment().put("COHORT_SECRET", "calibrate");
      pb.environment().put("COHORT_TRANSPORT", "tcp");
      pb.environment().put("COHORT_ALLREDUCE_ALGO", "ring");
      procs.add(pb.start());
    }
    for (Process p : procs) {
      if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
        procs.forEach(Process::destroyForcibly);
        throw new IllegalStateException("the TCP measurement failed; see " + work);
      }
    }
    JsonNode rows = new ObjectMapper().readTree(result.toFile()).get("results");
    NetworkModel fit = PathCalibration.fit(rows, reduceGBps * 1e9);
    return new double[] {fit.alphaSeconds(), fit.betaSecondsPerByte()};
  }
}
