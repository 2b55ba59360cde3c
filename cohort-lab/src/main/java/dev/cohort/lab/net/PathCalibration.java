package dev.cohort.lab.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.comm.EnvKeys;
import dev.cohort.comm.Secrets;
import dev.cohort.lab.bench.BenchMath;
import dev.cohort.lab.bench.CommBenchWorker;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.launch.spawn.RankProcesses;
import dev.cohort.launch.spawn.RankSpawner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Measures α and β of the two paths an emulated network can give workers — straight through the
 * veth pairs and bridge ("direct"), or through the user-space delay relay ("relay", which latency
 * needs) — by timing 2-process ring all-reduces from 8 bytes to 4 MiB over each, three times.
 * Emulated latency and rate are then added on top by the model, so one calibration serves every
 * condition.
 */
public final class PathCalibration {
  public static final String DIRECT = "direct";
  public static final String RELAY = "relay";
  private static final String SIZES = "8,65536,262144,1048576,4194304";
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final int REPEATS = 3;

  private PathCalibration() {}

  /** The path a run took, from its network's {@link EmulatedNetwork#method()}. */
  public static String pathOf(String method) {
    return method.contains("relay") ? RELAY : DIRECT;
  }

  /** Both paths' α and β, with γ = 1 / {@code reduceBytesPerSecond}. */
  public static Map<String, NetworkModel> measure(
      Path work, boolean namespaces, double reduceBytesPerSecond, Consumer<String> warnings)
      throws IOException, InterruptedException {
    Files.createDirectories(work);
    return Map.of(
        DIRECT,
        measure(
            NetworkCondition.none(),
            work.resolve(DIRECT),
            namespaces,
            reduceBytesPerSecond,
            warnings),
        // A microsecond of latency: the relay's own cost, with nothing worth noticing added.
        RELAY,
        measure(
            NetworkCondition.parse("lat=1us"),
            work.resolve(RELAY),
            namespaces,
            reduceBytesPerSecond,
            warnings));
  }

  /** Three measurements, the median α and β: one run on this noisy host can be off by 2x. */
  private static NetworkModel measure(
      NetworkCondition c, Path out, boolean namespaces, double reduce, Consumer<String> warnings)
      throws IOException, InterruptedException {
    List<Double> alphas = new ArrayList<>();
    List<Double> betas = new ArrayList<>();
    for (int i = 0; i < REPEATS; i++) {
      NetworkModel m = measureOnce(c, Path.of(out + "-" + i), namespaces, reduce, warnings);
      alphas.add(m.alphaSeconds());
      betas.add(m.betaSecondsPerByte());
    }
    return new NetworkModel(BenchMath.median(alphas), BenchMath.median(betas), 1 / reduce);
  }

  private static NetworkModel measureOnce(
      NetworkCondition c, Path out, boolean namespaces, double reduce, Consumer<String> warnings)
      throws IOException, InterruptedException {
    try (EmulatedNetwork net = EmulatedNetwork.open(c, 2, namespaces, 1, warnings);
        RankProcesses procs =
            RankSpawner.of(2)
                .command(
                    r ->
                        JavaCommand.of(
                                CommBenchWorker.class.getName(),
                                List.of("" + r, "2", "29599", out + ".json", "500", SIZES))
                            .toList())
                .environment(
                    Map.of(
                        EnvKeys.COHORT_SECRET,
                        Secrets.generate(),
                        EnvKeys.COHORT_ALLREDUCE_ALGO,
                        "ring",
                        // Rank 0 hosts the store on its own address, which rank 1 reaches directly.
                        EnvKeys.MASTER_ADDR,
                        net.environment(0).get(EnvKeys.COHORT_BIND_ADDR)))
                .placement(net)
                .logs(r -> Path.of(out + "-" + r + ".log"))
                .start()) {
      procs.awaitSuccess("calibrating the " + c.name() + " path", TIMEOUT);
    }
    return fit(new ObjectMapper().readTree(Path.of(out + ".json").toFile()).get("results"), reduce);
  }

  /**
   * A 2-process ring takes T(S) = 2α + S·β + S·γ/2: the slope over the larger sizes gives β, the
   * smallest size gives α (a joint fit lets noise push α below zero).
   */
  public static NetworkModel fit(JsonNode rows, double reduce) {
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    int n = 0;
    double smallest = Double.NaN;
    double smallestBytes = 0;
    for (JsonNode row : rows) {
      double x = row.get("bytes").asDouble();
      double y = row.get("latency_us").asDouble() / 1e6;
      if (Double.isNaN(smallest) || x < smallestBytes) {
        smallest = y;
        smallestBytes = x;
      }
      if (x >= 65536) {
        n++;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
      }
    }
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    double gamma = 1 / reduce;
    double beta = Math.max(1e-12, slope - gamma / 2);
    double alpha = Math.max(0, (smallest - smallestBytes * slope) / 2);
    return new NetworkModel(alpha, beta, gamma);
  }
}
