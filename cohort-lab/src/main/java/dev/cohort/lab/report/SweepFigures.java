package dev.cohort.lab.report;

import dev.cohort.lab.sweep.Calibrations;
import dev.cohort.lab.sweep.RunResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The sweep's plots, each from the runs of the group that asks its question. */
final class SweepFigures {
  /** One plot: its file name, what it shows, the chart. */
  record Figure(String file, String caption, Chart<?, ?> chart) {}

  private final SweepView v;
  private final double price;

  SweepFigures(SweepView view, double price) {
    this.v = view;
    this.price = price;
  }

  List<Figure> all() {
    List<Figure> f = new ArrayList<>();
    add(
        f,
        "speedup.png",
        "Speedup over one worker (measured: solid, model: dashed), per network.",
        scaling(false));
    add(f, "efficiency.png", "Scaling efficiency: speedup / workers.", scaling(true));
    add(
        f,
        "breakdown.png",
        "Where a step's time goes (measured medians, rank 0). Waiting is time "
            + "stalled on peers' data, so the emulated network's delay shows there.",
        breakdown());
    add(f, "latency.png", "Throughput of 2 workers as one-way latency grows.", latency());
    add(f, "bandwidth.png", "Throughput of 2 workers as each link's rate shrinks.", bandwidth());
    add(f, "algorithms.png", "All-reduce algorithms compared (step time).", algorithms());
    add(
        f,
        "buckets.png",
        "Gradient bucket size on a 5 ms network (more buckets, more latency).",
        buckets());
    add(f, "memory.png", "Peak resident memory per worker.", memory());
    add(f, "cost.png", "Cost of one 60,000-sample epoch at " + price + " per node-hour.", cost());
    add(
        f,
        "accuracy-time.png",
        "Test accuracy against training time (global batch sweep).",
        accuracy(true));
    add(
        f,
        "accuracy-epochs.png",
        "Test accuracy against epochs (global batch sweep).",
        accuracy(false));
    add(
        f,
        "batch.png",
        "Final accuracy against global batch, with and without linear LR scaling " + "+ warm-up.",
        batch());
    add(f, "prediction.png", "Predicted against measured step time, every run.", prediction());
    return f;
  }

  private static void add(List<Figure> f, String file, String caption, Chart<?, ?> c) {
    if (c != null) {
      f.add(new Figure(file, caption, c));
    }
  }

  private Chart<?, ?> scaling(boolean efficiency) {
    List<RunResult> runs = v.group("scaling");
    RunResult one = v.baseline();
    if (one == null || runs.size() < 2) {
      return null;
    }
    XYChart c =
        Charts.xy(
            efficiency ? "Scaling efficiency" : "Speedup",
            "workers",
            efficiency ? "efficiency" : "speedup over 1 worker");
    for (String net : v.networks(runs)) {
      List<RunResult> line = new ArrayList<>(List.of(one));
      runs.stream()
          .filter(r -> r.spec().network().equals(net) && r.spec().workers() > 1)
          .sorted(Comparator.comparingInt(r -> r.spec().workers()))
          .forEach(line::add);
      List<Double> x = line.stream().map(r -> (double) r.spec().workers()).toList();
      Charts.measured(
          c,
          net,
          x,
          line.stream()
              .map(r -> v.speedup(r, false) / (efficiency ? r.spec().workers() : 1))
              .toList());
      Charts.predicted(
          c,
          net + " (model)",
          x,
          line.stream()
              .map(r -> v.speedup(r, true) / (efficiency ? r.spec().workers() : 1))
              .toList());
    }
    int max = runs.stream().mapToInt(r -> r.spec().workers()).max().orElse(1);
    List<Double> x = new ArrayList<>();
    for (int n = 1; n <= max; n++) {
      x.add((double) n);
    }
    Charts.predicted(c, "ideal", x, x.stream().map(n -> efficiency ? 1.0 : n).toList());
    return c;
  }

  private Chart<?, ?> breakdown() {
    List<RunResult> runs = scalingByNetwork();
    if (runs.isEmpty()) {
      return null;
    }
    CategoryChart c = Charts.bars("Step time breakdown", "workers, network", "ms per step");
    c.getStyler().setStacked(true);
    List<String> labels = labels(runs);
    Map<String, ToDoubleFunction<RunResult>> parts = new LinkedHashMap<>();
    parts.put("data", r -> r.measured().dataMs());
    parts.put("forward/backward", r -> r.measured().computeMs());
    parts.put("communication", r -> r.measured().commMs());
    parts.put("waiting", r -> r.measured().waitMs());
    parts.put("optimizer", r -> r.measured().optimizerMs());
    parts.put("other", r -> r.measured().otherMs());
    parts.forEach(
        (name, f) ->
            c.addSeries(
                name, labels, runs.stream().map(r -> (Number) f.applyAsDouble(r)).toList()));
    return c;
  }

  /** The scaling runs, network by network, fewest workers first. */
  private List<RunResult> scalingByNetwork() {
    List<RunResult> runs = new ArrayList<>(v.group("scaling"));
    runs.sort(
        Comparator.comparing((RunResult r) -> r.spec().network())
            .thenComparingInt(r -> r.spec().workers()));
    return runs;
  }

  private static List<String> labels(List<RunResult> runs) {
    return runs.stream().map(r -> r.spec().workers() + " " + r.spec().network()).toList();
  }

  private Chart<?, ?> latency() {
    List<RunResult> runs = new ArrayList<>(v.group("latency"));
    v.twoWorkersNoNetwork().ifPresent(runs::add);
    runs.sort(Comparator.comparingDouble(v::latencyMs));
    if (runs.size() < 2) {
      return null;
    }
    XYChart c = Charts.xy("Throughput vs latency (2 workers)", "one-way latency (ms)", "samples/s");
    throughputs(c, runs, runs.stream().map(v::latencyMs).toList());
    return c;
  }

  private Chart<?, ?> bandwidth() {
    List<RunResult> runs = new ArrayList<>(v.group("bandwidth"));
    runs.sort(Comparator.comparingDouble(v::rateMbit));
    if (runs.size() < 2) {
      return null;
    }
    XYChart c = Charts.xy("Throughput vs link rate (2 workers)", "link rate (Mbit/s)", "samples/s");
    c.getStyler().setXAxisLogarithmic(true);
    List<Double> x = runs.stream().map(v::rateMbit).toList();
    v.twoWorkersNoNetwork()
        .ifPresent(r -> level(c, "unlimited (measured)", x, v.throughput(r, false)));
    throughputs(c, runs, x);
    return c;
  }

  /** Measured and predicted throughput of {@code runs} at {@code x}, and 1 worker's as a level. */
  private void throughputs(XYChart c, List<RunResult> runs, List<Double> x) {
    Charts.measured(c, "measured", x, runs.stream().map(r -> v.throughput(r, false)).toList());
    Charts.predicted(c, "model", x, runs.stream().map(r -> v.throughput(r, true)).toList());
    v.baselineThroughput().ifPresent(t -> level(c, "1 worker", x, t));
  }

  /** A horizontal reference line across the x range. */
  private static void level(XYChart c, String name, List<Double> x, double y) {
    Charts.predicted(c, name, List.of(x.get(0), x.get(x.size() - 1)), List.of(y, y));
  }

  /** Two bar series per runs: measured and the model's, from the same per-run quantity. */
  private static void measuredAndModel(
      CategoryChart c,
      String name,
      List<String> labels,
      List<RunResult> runs,
      BiFunction<RunResult, Boolean, Double> value) {
    c.addSeries(name, labels, runs.stream().map(r -> (Number) value.apply(r, false)).toList());
    c.addSeries(
        name.equals("measured") ? "model" : name + " (model)",
        labels,
        runs.stream().map(r -> (Number) value.apply(r, true)).toList());
  }

  private static double stepMs(RunResult r, boolean predicted) {
    return predicted ? r.predicted().step() * 1e3 : r.measured().stepMs();
  }

  private Chart<?, ?> algorithms() {
    List<RunResult> runs = v.group("algorithm");
    if (runs.isEmpty()) {
      return null;
    }
    CategoryChart c =
        Charts.bars(
            "All-reduce algorithm (" + runs.get(0).spec().workers() + " workers)",
            "algorithm",
            "ms per step");
    for (String net : v.networks(runs)) {
      List<RunResult> rs = runs.stream().filter(r -> r.spec().network().equals(net)).toList();
      List<String> algos = rs.stream().map(r -> r.spec().algorithm()).toList();
      measuredAndModel(c, net, algos, rs, SweepFigures::stepMs);
    }
    return c;
  }

  private Chart<?, ?> buckets() {
    List<RunResult> runs = new ArrayList<>(v.group("bucket"));
    v.group("latency").stream()
        .filter(r -> r.spec().network().equals("lat=5ms"))
        .forEach(runs::add);
    runs.sort(Comparator.comparingDouble(r -> r.spec().bucketMb()));
    if (runs.size() < 2) {
      return null;
    }
    CategoryChart c =
        Charts.bars("Bucket size (2 workers, 5 ms)", "bucket cap (MB); buckets", "ms per step");
    List<String> labels =
        runs.stream()
            .map(r -> r.spec().bucketMb() + "; " + r.measured().bucketBytes().size())
            .toList();
    measuredAndModel(c, "measured", labels, runs, SweepFigures::stepMs);
    return c;
  }

  private Chart<?, ?> memory() {
    List<RunResult> runs =
        v.group("scaling").stream()
            .filter(r -> r.spec().network().equals("none"))
            .sorted(Comparator.comparingInt(r -> r.spec().workers()))
            .toList();
    if (runs.isEmpty()) {
      return null;
    }
    XYChart c = Charts.xy("Memory per worker", "workers", "peak RSS (MiB)");
    List<Double> x = runs.stream().map(r -> (double) r.spec().workers()).toList();
    Charts.measured(
        c,
        "measured",
        x,
        runs.stream().map(r -> r.measured().peakMemoryBytes() / 1048576.0).toList());
    Charts.predicted(
        c, "model", x, runs.stream().map(r -> r.predicted().memoryBytes() / 1048576.0).toList());
    return c;
  }

  private Chart<?, ?> cost() {
    List<RunResult> runs = scalingByNetwork();
    if (runs.isEmpty()) {
      return null;
    }
    CategoryChart c = Charts.bars("Cost per epoch", "workers, network", "cost");
    List<String> labels = labels(runs);
    measuredAndModel(c, "measured", labels, runs, (r, p) -> v.epochCost(r, p, price));
    return c;
  }

  private Chart<?, ?> accuracy(boolean time) {
    List<RunResult> runs = v.group("batch");
    if (runs.isEmpty()) {
      return null;
    }
    XYChart c =
        Charts.xy(
            time ? "Time to accuracy" : "Accuracy per epoch",
            time ? "training time (s)" : "epoch",
            "test accuracy");
    for (RunResult r : runs) {
      List<Double> acc = r.measured().testAccuracy();
      List<Double> x = new ArrayList<>();
      for (int e = 0; e < acc.size(); e++) {
        x.add(time ? r.measured().epochSeconds().get(e) : e + 1.0);
      }
      Charts.measured(c, v.batchLabel(r), x, acc);
    }
    return c;
  }

  private Chart<?, ?> batch() {
    List<RunResult> runs = v.group("batch");
    if (runs.isEmpty()) {
      return null;
    }
    XYChart c = Charts.xy("Accuracy vs global batch", "global batch", "accuracy");
    c.getStyler().setXAxisLogarithmic(true);
    for (boolean scaled : new boolean[] {false, true}) {
      List<RunResult> rs =
          runs.stream()
              .filter(r -> v.scaled(r) == scaled)
              .sorted(Comparator.comparingInt(r -> r.spec().globalBatch()))
              .toList();
      List<Double> x = rs.stream().map(r -> (double) r.spec().globalBatch()).toList();
      String name = scaled ? "LR scaled + warm-up" : "fixed LR";
      Charts.measured(
          c, name + ": test", x, rs.stream().map(r -> r.measured().finalTestAccuracy()).toList());
      Charts.predicted(
          c, name + ": train", x, rs.stream().map(r -> r.measured().finalTrainAccuracy()).toList());
    }
    return c;
  }

  private Chart<?, ?> prediction() {
    List<RunResult> runs = v.runs().stream().filter(r -> r.predicted() != null).toList();
    if (runs.isEmpty()) {
      return null;
    }
    XYChart c = Charts.xy("Model vs measurement", "measured ms per step", "predicted ms per step");
    c.getStyler().setXAxisLogarithmic(true);
    c.getStyler().setYAxisLogarithmic(true);
    double lo = Double.MAX_VALUE;
    double hi = 0;
    for (String g : v.groups()) {
      List<RunResult> rs = runs.stream().filter(r -> r.spec().group().equals(g)).toList();
      if (rs.isEmpty()) {
        continue;
      }
      XYSeries s =
          c.addSeries(
              g.equals(Calibrations.GROUP) ? g + " (fitted)" : g,
              rs.stream().map(r -> r.measured().stepMs()).toList(),
              rs.stream().map(r -> r.predicted().step() * 1e3).toList());
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      s.setMarker(SeriesMarkers.CIRCLE);
      for (RunResult r : rs) {
        lo = Math.min(lo, Math.min(r.measured().stepMs(), r.predicted().step() * 1e3));
        hi = Math.max(hi, Math.max(r.measured().stepMs(), r.predicted().step() * 1e3));
      }
    }
    for (double k : new double[] {1, 0.9, 1.1}) {
      Charts.predicted(
          c,
          k == 1 ? "exact" : (k < 1 ? "-10%" : "+10%"),
          List.of(lo, hi),
          List.of(lo * k, hi * k));
    }
    return c;
  }
}
