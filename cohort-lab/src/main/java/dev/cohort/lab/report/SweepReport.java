package dev.cohort.lab.report;

import dev.cohort.lab.bench.BenchMath;
import dev.cohort.lab.bench.Machine;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.StepTimeModel;
import dev.cohort.lab.sweep.Calibrations;
import dev.cohort.lab.sweep.Predictions;
import dev.cohort.lab.sweep.RunResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sweep's report: index.html — one self-contained file, its plots embedded — with the same
 * plots as PNG files beside it, and sweep.md with the numbers for docs/benchmarks. The HTML is
 * well-formed XML, so tests (and tools) can parse it strictly.
 */
public final class SweepReport {
  /** Accuracy the time-to-accuracy table asks about. */
  static final double TARGET_ACCURACY = 0.80;

  private final Predictions.Predicted predicted;
  private final Map<String, NetworkModel> paths;
  private final double price;
  private final int cores;
  private final SweepView view;

  public SweepReport(
      Predictions.Predicted predicted, Map<String, NetworkModel> paths, double price, int cores) {
    this.predicted = predicted;
    this.paths = Map.copyOf(paths);
    this.price = price;
    this.cores = cores;
    this.view = new SweepView(predicted.runs());
  }

  /** Writes index.html, the PNGs and sweep.md into {@code out}; returns the HTML's path. */
  public Path write(Path out) throws IOException {
    Files.createDirectories(out);
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
        .append("<title>Cohort efficiency lab</title><style>")
        .append("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}")
        .append("table{border-collapse:collapse;font-size:13px;margin:1em 0}")
        .append("td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}")
        .append("th{background:#f3f3f3}td.l,th.l{text-align:left}figure{margin:1.5em 0}")
        .append("</style></head><body>\n<h1>Cohort efficiency lab</h1>\n");
    h.append("<p>")
        .append(esc(Machine.describe()))
        .append(", ")
        .append(cores)
        .append(
            " cores. Every run is a real multi-process training job; networks are emulated as "
                + "the method column says. Step times are medians of rank 0's steps after warm-up.</p>\n");
    h.append("<h2>Cost model against measurement</h2>\n<p>")
        .append(esc(summaryLine(view.runs(), cores)))
        .append("</p>\n");
    for (SweepFigures.Figure f : new SweepFigures(view, price).all()) {
      byte[] png = Charts.png(f.chart());
      Files.write(out.resolve(f.file()), png);
      h.append("<figure><img alt=\"")
          .append(esc(f.caption()))
          .append("\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(png))
          .append("\"/><figcaption>")
          .append(esc(f.caption()))
          .append(" (<a href=\"")
          .append(f.file())
          .append("\">")
          .append(f.file())
          .append("</a>)</figcaption></figure>\n");
    }
    h.append("<h2>Accuracy and generalization</h2>\n").append(accuracyTables());
    h.append("<h2>Every run</h2>\n").append(runsTable());
    h.append("<h2>Calibration</h2>\n").append(calibrationTable());
    h.append("</body></html>\n");
    Path html = out.resolve("index.html");
    Files.writeString(html, h.toString(), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("sweep.md"), markdown(), StandardCharsets.UTF_8);
    return html;
  }

  /** "Model vs measurement over N runs: median error x%, worst y% (run); target ≤10% / ≤20%." */
  public static String summaryLine(List<RunResult> runs, int cores) {
    List<RunResult> tested = Predictions.validation(runs, cores);
    if (tested.isEmpty()) {
      return "No predictions.";
    }
    List<Double> e = tested.stream().map(r -> Math.abs(r.predictionError())).toList();
    RunResult worst =
        tested.stream()
            .max(Comparator.comparingDouble(r -> Math.abs(r.predictionError())))
            .orElseThrow();
    double median = BenchMath.median(e);
    double max = e.stream().mapToDouble(d -> d).max().orElse(0);
    long fitted = runs.stream().filter(r -> r.predicted() != null).count() - tested.size();
    List<Double> all =
        runs.stream()
            .filter(r -> r.predicted() != null && !r.spec().group().equals(Calibrations.GROUP))
            .map(r -> Math.abs(r.predictionError()))
            .toList();
    return String.format(
        Locale.ROOT,
        "Step-time model against measurement over %d runs (%d runs "
            + "left out: the calibration runs and runs with a calibration run's configuration): "
            + "median error %.1f%%, worst %.1f%% (%s); target median <= 10%%, worst <= 20%%: %s. "
            + "Over all %d runs that are not calibration runs: median %.1f%%, worst %.1f%%.",
        e.size(),
        fitted,
        100 * median,
        100 * max,
        worst.spec().id(),
        median <= 0.10 && max <= 0.20 ? "met" : "NOT met",
        all.size(),
        100 * BenchMath.median(all),
        100 * all.stream().mapToDouble(d -> d).max().orElse(0));
  }

  private String runsTable() {
    StringBuilder t =
        new StringBuilder(
            "<table><tr><th class=\"l\">group</th><th>model</th>"
                + "<th>workers</th><th>global batch</th><th class=\"l\">algorithm</th><th>bucket MB</th>"
                + "<th class=\"l\">network</th><th class=\"l\">method</th><th>measured ms/step</th>"
                + "<th>repeats: min–max</th>"
                + "<th>model ms/step</th><th>error</th><th>samples/s</th><th>speedup</th>"
                + "<th>MiB/worker</th><th>test acc.</th></tr>\n");
    for (RunResult r : view.runs()) {
      t.append("<tr><td class=\"l\">")
          .append(esc(r.spec().group()))
          .append("</td><td>")
          .append(r.spec().model())
          .append("</td><td>")
          .append(r.spec().workers())
          .append("</td><td>")
          .append(r.spec().globalBatch())
          .append("</td><td class=\"l\">")
          .append(esc(r.spec().algorithm()))
          .append("</td><td>")
          .append(r.spec().bucketMb())
          .append("</td><td class=\"l\">")
          .append(esc(r.spec().network()))
          .append("</td><td class=\"l\">")
          .append(esc(r.method()))
          .append("</td><td>")
          .append(f1(r.measured().stepMs()))
          .append("</td><td>")
          .append(spread(r))
          .append("</td><td>")
          .append(r.predicted() == null ? "" : f1(r.predicted().step() * 1e3))
          .append("</td><td>")
          .append(r.predicted() == null ? "" : pct(r.predictionError()))
          .append("</td><td>")
          .append(String.format(Locale.ROOT, "%,.0f", view.throughput(r, false)))
          .append("</td><td>")
          .append(
              view.baseline() != null && r.spec().model().equals(view.baseline().spec().model())
                  ? String.format(Locale.ROOT, "%.2f", view.speedup(r, false))
                  : "")
          .append("</td><td>")
          .append(r.measured().peakMemoryBytes() >> 20)
          .append("</td><td>")
          .append(
              Double.isNaN(r.measured().finalTestAccuracy())
                  ? ""
                  : String.format(Locale.ROOT, "%.4f", r.measured().finalTestAccuracy()))
          .append("</td></tr>\n");
    }
    return t.append("</table>\n").toString();
  }

  private String accuracyTables() {
    StringBuilder t =
        new StringBuilder(
            "<p>SGD with momentum 0.9, 3 epochs of the MLP. Reference: "
                + "learning rate 0.01 at global batch 64; \"warm-up\" runs scale it linearly with the batch "
                + "and warm up over half an epoch. Time to "
                + TARGET_ACCURACY
                + " test accuracy is "
                + "interpolated between epochs.</p>\n<table><tr><th class=\"l\">group</th><th>workers</th>"
                + "<th>global batch</th><th>lr</th><th>warm-up steps</th><th>seed</th><th>test acc.</th>"
                + "<th>train acc.</th><th>train-test gap</th><th>noise</th><th>rotation</th>"
                + "<th>contrast</th><th>s to "
                + TARGET_ACCURACY
                + "</th></tr>\n");
    List<RunResult> acc = new ArrayList<>();
    for (String g : List.of("batch", "seed", "workers")) {
      acc.addAll(view.group(g));
    }
    for (RunResult r : acc) {
      var m = r.measured();
      t.append("<tr><td class=\"l\">")
          .append(r.spec().group())
          .append("</td><td>")
          .append(r.spec().workers())
          .append("</td><td>")
          .append(r.spec().globalBatch())
          .append("</td><td>")
          .append(r.spec().lr())
          .append("</td><td>")
          .append(r.spec().warmup())
          .append("</td><td>")
          .append(r.spec().seed())
          .append("</td><td>")
          .append(f4(m.finalTestAccuracy()))
          .append("</td><td>")
          .append(f4(m.finalTrainAccuracy()))
          .append("</td><td>")
          .append(f4(m.finalTrainAccuracy() - m.finalTestAccuracy()))
          .append("</td><td>")
          .append(f4(m.shiftedAccuracy().getOrDefault("noise", Double.NaN)))
          .append("</td><td>")
          .append(f4(m.shiftedAccuracy().getOrDefault("rotation", Double.NaN)))
          .append("</td><td>")
          .append(f4(m.shiftedAccuracy().getOrDefault("contrast", Double.NaN)))
          .append("</td><td>")
          .append(f1(SweepView.timeTo(r, TARGET_ACCURACY)))
          .append("</td></tr>\n");
    }
    t.append("</table>\n");
    t.append("<p>")
        .append(esc(spread("Over seeds (2 workers, same global batch)", view.group("seed"))))
        .append("<br/>");
    List<RunResult> sameBatch = new ArrayList<>(view.group("workers"));
    view.group("seed").stream().filter(r -> r.spec().seed() == 42).forEach(sameBatch::add);
    t.append(esc(spread("Over worker counts (same global batch and seed)", sameBatch)))
        .append("</p>\n");
    return t.toString();
  }

  /** Mean, standard deviation and range of final test accuracy. */
  static String spread(String what, List<RunResult> runs) {
    double[] a = runs.stream().mapToDouble(r -> r.measured().finalTestAccuracy()).toArray();
    if (a.length == 0) {
      return what + ": no runs.";
    }
    double mean = Arrays.stream(a).average().orElse(0);
    double sd =
        Math.sqrt(
            Arrays.stream(a).map(x -> (x - mean) * (x - mean)).sum() / Math.max(1, a.length - 1));
    return String.format(
        Locale.ROOT,
        "%s: %d runs, test accuracy %.4f ± %.4f (range %.4f–%.4f).",
        what,
        a.length,
        mean,
        sd,
        Arrays.stream(a).min().orElse(0),
        Arrays.stream(a).max().orElse(0));
  }

  private String calibrationTable() {
    StringBuilder t =
        new StringBuilder(
            "<p>Network paths, from 2-process ring all-reduces of 8 B " + "to 4 MiB: ");
    new TreeMap<>(paths)
        .forEach(
            (name, m) ->
                t.append(
                    String.format(
                        Locale.ROOT,
                        "%s: α %.1f µs per message, β %.3f ns/byte (%.2f GB/s); ",
                        name,
                        m.alphaSeconds() * 1e6,
                        m.betaSecondsPerByte() * 1e9,
                        1e-9 / m.betaSecondsPerByte())));
    t.append(
        String.format(
            Locale.ROOT,
            "reduction %.2f GB/s. Emulated latency adds to α, an "
                + "emulated link rate bounds β.</p>%n",
            1e-9 / paths.values().iterator().next().gammaSecondsPerByte()));
    t.append(
        "<table><tr><th class=\"l\">model</th><th>parameters</th><th>fixed ms</th>"
            + "<th>µs/sample, 1 thread</th><th>µs/sample, all cores</th><th>data µs/sample</th>"
            + "<th>optimizer ms</th><th>pack ns/byte</th><th>overhead ms: 1 thread, all</th>"
            + "<th class=\"l\">sharing: workers × batch: slowdown, overhead ms, wait, comm factor</th>"
            + "<th>fixed MiB</th><th>KiB/sample</th></tr>\n");
    for (StepTimeModel.Calibration c : predicted.calibrations().values()) {
      StepTimeModel.Alone a = c.alone();
      t.append(
          String.format(
              Locale.ROOT,
              "<tr><td class=\"l\">%s</td><td>%,.0f</td><td>%.2f</td>"
                  + "<td>%.1f</td><td>%.1f</td><td>%.2f</td><td>%.2f</td><td>%.3f</td><td>%.2f, %.2f</td>"
                  + "<td class=\"l\">%s</td><td>%.0f</td><td>%.1f</td></tr>%n",
              c.model(),
              c.parameters(),
              a.computeFixedSeconds() * 1e3,
              a.computePerSampleOneThread() * 1e6,
              a.computePerSampleAllThreads() * 1e6,
              a.dataPerSampleSeconds() * 1e6,
              a.optimizerSeconds() * 1e3,
              a.packSecondsPerByte() * 1e9,
              a.overheadOneThread() * 1e3,
              a.overheadAllThreads() * 1e3,
              String.join("; ", c.sharing().stream().map(SweepReport::sharing).toList()),
              c.memoryFixedBytes() / 1048576,
              c.memoryPerSampleBytes() / 1024));
    }
    return t.append("</table>\n").toString();
  }

  private static String sharing(StepTimeModel.Sharing s) {
    return String.format(
        Locale.ROOT,
        "%d × %d: %.2fx, %.2f, %.0f%%, %.2f",
        s.workers(),
        s.batch(),
        s.computeSlowdown(),
        s.overheadSeconds() * 1e3,
        100 * s.waitFraction(),
        s.commFactor());
  }

  /** The numbers for docs/benchmarks: the model's accuracy and one line per run. */
  String markdown() {
    StringBuilder m = new StringBuilder("# Efficiency lab sweep\n\n");
    m.append(Machine.describe())
        .append(", ")
        .append(cores)
        .append(
            " cores. Written by `bin/cohort "
                + "lab sweep`; plots and tables in docs/lab/index.html.\n\n");
    m.append(summaryLine(view.runs(), cores)).append("\n\n");
    m.append(
        "| group | model | workers | global batch | algorithm | bucket MB | network | method | "
            + "measured ms/step | repeats | model ms/step | error | samples/s | MiB/worker | test acc. |\n");
    m.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (RunResult r : view.runs()) {
      m.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d | %d | %s | %s | %s | %s | %.1f | %s | %s "
                  + "| %s | %,.0f | %d | %s |%n",
              r.spec().group(),
              r.spec().model(),
              r.spec().workers(),
              r.spec().globalBatch(),
              r.spec().algorithm(),
              r.spec().bucketMb(),
              r.spec().network(),
              r.method(),
              r.measured().stepMs(),
              spread(r),
              r.predicted() == null ? "" : f1(r.predicted().step() * 1e3),
              r.predicted() == null ? "" : pct(r.predictionError()),
              view.throughput(r, false),
              r.measured().peakMemoryBytes() >> 20,
              f4(r.measured().finalTestAccuracy())));
    }
    m.append(
        "\n## Accuracy and generalization\n\n| group | workers | global batch | lr | warm-up "
            + "| test acc. | train acc. | gap | noise | rotation | contrast | s to "
            + TARGET_ACCURACY
            + " |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (String g : List.of("batch", "seed", "workers")) {
      for (RunResult r : view.group(g)) {
        var a = r.measured();
        m.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %d | %s | %d | %s | %s | %s | %s | %s | %s " + "| %s |%n",
                g,
                r.spec().workers(),
                r.spec().globalBatch(),
                r.spec().lr(),
                r.spec().warmup(),
                f4(a.finalTestAccuracy()),
                f4(a.finalTrainAccuracy()),
                f4(a.finalTrainAccuracy() - a.finalTestAccuracy()),
                f4(a.shiftedAccuracy().getOrDefault("noise", Double.NaN)),
                f4(a.shiftedAccuracy().getOrDefault("rotation", Double.NaN)),
                f4(a.shiftedAccuracy().getOrDefault("contrast", Double.NaN)),
                f1(SweepView.timeTo(r, TARGET_ACCURACY))));
      }
    }
    m.append("\n").append(spread("Accuracy over seeds", view.group("seed"))).append('\n');
    return m.toString();
  }

  /** The spread of a run's repetitions: "41.2–47.9", or "" for a single run. */
  private static String spread(RunResult r) {
    List<Double> reps = r.repeatStepMs() == null ? List.of() : r.repeatStepMs();
    if (reps.size() < 2) {
      return "";
    }
    return f1(reps.stream().mapToDouble(d -> d).min().orElse(0))
        + "–"
        + f1(reps.stream().mapToDouble(d -> d).max().orElse(0));
  }

  private static String f1(double d) {
    return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.1f", d);
  }

  private static String f4(double d) {
    return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.4f", d);
  }

  private static String pct(double d) {
    return String.format(Locale.ROOT, "%+.1f%%", 100 * d);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
