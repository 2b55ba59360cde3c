package dev.cohort.lab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.lab.bench.BenchMath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads what a training run left in its folder (metrics.csv, config.json, summary.json). */
public final class RunFolder {
  /** Steps at the start whose times are not typical (JIT, allocator, first collectives). */
  static final int WARMUP_STEPS = 5;

  private RunFolder() {}

  public static Measured read(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Path summaryFile = dir.resolve("summary.json");
    if (!Files.exists(summaryFile)) {
      throw new IOException("no summary.json in " + dir + ": the run did not finish");
    }
    JsonNode summary = json.readTree(summaryFile.toFile());
    JsonNode config = json.readTree(dir.resolve("config.json").toFile());
    List<double[]> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(dir.resolve("metrics.csv"));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      double[] row = new double[6];
      for (int i = 0; i < 6; i++) {
        row[i] = Double.parseDouble(f[4 + i]);
      }
      rows.add(row);
    }
    if (rows.isEmpty()) {
      throw new IOException("no steps in " + dir.resolve("metrics.csv"));
    }
    List<double[]> steady = rows.subList(Math.min(WARMUP_STEPS, rows.size() / 4), rows.size());
    double[] med = new double[6];
    for (int i = 0; i < 6; i++) {
      int k = i;
      med[i] = BenchMath.median(steady.stream().map(r -> r[k]).toList());
    }
    List<Double> acc = new ArrayList<>();
    List<Double> secs = new ArrayList<>();
    for (JsonNode e : summary.path("epochs")) {
      acc.add(e.path("test_accuracy").asDouble());
      secs.add(e.path("train_seconds").asDouble());
    }
    Map<String, Double> shifted = new TreeMap<>();
    summary.path("shifted_test_accuracy").fields()
        .forEachRemaining(f -> shifted.put(f.getKey(), f.getValue().asDouble()));
    long memory = 0;
    for (JsonNode m : summary.path("peak_memory_bytes_per_worker")) {
      memory = Math.max(memory, m.asLong());
    }
    List<Integer> buckets = new ArrayList<>();
    double params = 0;
    for (JsonNode b : config.path("gradient_buckets_bytes")) {
      buckets.add(b.asInt());
      params += b.asInt() / 4.0;
    }
    return new Measured(med[5], med[0], med[1], med[2], med[3], med[4],
        summary.path("samples_per_second").asDouble(), summary.path("steps").asInt(),
        summary.path("train_seconds").asDouble(), acc, secs,
        summary.path("final_train_accuracy").asDouble(Double.NaN), shifted, memory, buckets, params);
  }
}
