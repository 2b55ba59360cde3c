package dev.cohort.cli.sweep;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.net.PathCalibration;
import dev.cohort.lab.report.SweepReport;
import dev.cohort.lab.sweep.Predictions;
import dev.cohort.lab.sweep.RunSpec;
import dev.cohort.lab.sweep.SweepData;
import dev.cohort.lab.sweep.SweepGrid;
import dev.cohort.lab.sweep.SweepRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort lab sweep}: trains over a grid of worker counts, global batches, bucket sizes,
 * all-reduce algorithms and emulated networks, predicts every run with the calibrated step-time
 * model, and writes an HTML report with plots.
 */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    description =
        "Train over a grid of workers, batches, buckets, algorithms and emulated "
            + "networks; write an HTML report comparing measurement with the cost model.")
public final class SweepCommand implements Callable<Integer> {
  @Option(
      names = "--grid",
      defaultValue = "standard",
      description = "standard (every question, ~25 min on 2 cores with 3 repeats) or small.")
  String grid;

  @Option(
      names = "--repeats",
      defaultValue = "3",
      description =
          "Runs of every configuration, in rounds; the median counts (default ${DEFAULT-VALUE}).")
  int repeats;

  @Option(
      names = "--max-workers",
      defaultValue = "4",
      description = "Most workers (default ${DEFAULT-VALUE}).")
  int maxWorkers;

  @Option(
      names = "--out",
      defaultValue = "docs/lab",
      description =
          "Report folder: index.html, PNGs, sweep.md, sweep.json (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--bench-out",
      defaultValue = "docs/benchmarks",
      description = "Where sweep.md (the numbers) is copied too (default ${DEFAULT-VALUE}).")
  Path benchOut;

  @Option(names = "--runs-dir", description = "Run folders (default: runs/sweep-<grid>).")
  Path runsDir;

  @Option(
      names = "--no-namespaces",
      description = "Emulate networks in-process on loopback even where namespaces could be made.")
  boolean noNamespaces;

  @Option(
      names = "--calibration",
      defaultValue = "docs/benchmarks/calibration.json",
      description = "Reduction speed from cohort lab calibrate (default ${DEFAULT-VALUE}).")
  Path calibration;

  @Option(
      names = "--price",
      defaultValue = "1.0",
      description = "Price of one node-hour (default ${DEFAULT-VALUE}).")
  double price;

  @Option(
      names = "--report-only",
      description = "Rebuild the report from <out>/sweep.json without training.")
  boolean reportOnly;

  @Override
  public Integer call() throws Exception {
    try {
      return sweep();
    } catch (IllegalStateException | IllegalArgumentException | IOException e) {
      // A run that failed, a condition this host cannot make, a folder that cannot be written:
      // what ran so far stays in <runs-dir>/runs.json.
      System.err.println("cohort lab sweep: " + e.getMessage());
      return 1;
    }
  }

  private int sweep() throws IOException, InterruptedException {
    int cores = Runtime.getRuntime().availableProcessors();
    if (maxWorkers < 1 || maxWorkers > 16 || price < 0 || repeats < 1) {
      System.err.println(
          "cohort lab sweep: --max-workers must be 1..16, --price >= 0 and " + "--repeats >= 1");
      return 2;
    }
    List<RunSpec> specs;
    switch (grid) {
      case "standard" -> specs = SweepGrid.standard(maxWorkers, cores);
      case "small" -> specs = SweepGrid.small(cores);
      default -> {
        System.err.println("cohort lab sweep: --grid must be standard or small, got " + grid);
        return 2;
      }
    }
    Path runs = runsDir != null ? runsDir : Path.of("runs", "sweep-" + grid);
    Files.createDirectories(runs);
    Files.createDirectories(out);
    ObjectMapper json = new ObjectMapper();
    Path saved = out.resolve("sweep.json");
    SweepData data;
    if (reportOnly) {
      if (!Files.exists(saved)) {
        System.err.println(
            "cohort lab sweep: --report-only needs " + saved + " from an earlier sweep");
        return 2;
      }
      // Predictions are made again below, so a file from an older model still reads.
      data =
          json.copy()
              .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
              .readValue(saved.toFile(), SweepData.class);
    } else {
      System.out.printf(
          "Sweep: %d configurations x %d (%s grid), run folders in %s%n",
          specs.size(), repeats, grid, runs);
      System.out.println(
          "Measuring the network paths (2-process all-reduce, direct and through "
              + "the delay relay) ...");
      Map<String, NetworkModel> paths =
          PathCalibration.measure(
              runs.resolve("paths"),
              !noNamespaces,
              reduceBytesPerSecond(json),
              w -> System.out.println("  warning: " + w));
      paths.forEach(
          (k, m) ->
              System.out.printf(
                  Locale.ROOT,
                  "  %s: alpha %.0f us, %.2f GB/s%n",
                  k,
                  m.alphaSeconds() * 1e6,
                  1e-9 / m.betaSecondsPerByte()));
      data =
          new SweepData(
              cores, paths, new SweepRunner(runs, !noNamespaces, System.out).run(specs, repeats));
    }
    // The host the runs were made on decides how many threads each worker had.
    cores = data.cores() > 0 ? data.cores() : cores;
    Predictions.Predicted p = Predictions.apply(data.runs(), data.paths(), cores);
    SweepRunner.save(new SweepData(cores, data.paths(), p.runs()), saved);
    Path html = new SweepReport(p, data.paths(), price, cores).write(out);
    Files.createDirectories(benchOut);
    Files.copy(
        out.resolve("sweep.md"), benchOut.resolve("sweep.md"), StandardCopyOption.REPLACE_EXISTING);
    System.out.println(SweepReport.summaryLine(p.runs(), cores));
    System.out.println(
        "Report: " + html + " (numbers: " + out.resolve("sweep.md") + ", data: " + saved + ")");
    return 0;
  }

  /** The reduction speed (γ) from calibration.json, or the value measured here once. */
  private double reduceBytesPerSecond(ObjectMapper json) throws IOException {
    if (Files.exists(calibration)) {
      return json.readTree(calibration.toFile()).path("reduce_GBps").asDouble(4.1) * 1e9;
    }
    System.err.println(
        "cohort lab sweep: no "
            + calibration
            + " (run cohort lab calibrate); "
            + "using a reduction speed of 4.1 GB/s measured on a 2-core EPYC VM");
    return 4.1e9;
  }
}
