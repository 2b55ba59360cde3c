package dev.cohort.lab.compress;

import dev.cohort.lab.report.Charts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

/**
 * The plots of {@code cohort bench compress}, PNG files beside compress.md: throughput per case,
 * test accuracy against training time (each case's median run by time to the target), and the step
 * time measured against the model's.
 */
final class CompressFigures {
  private final CompressReport report;
  private final Map<CompressBench.Case, List<CompressBench.Run>> runs;
  private final Map<CompressBench.Case, Double> predicted;

  CompressFigures(
      CompressReport report,
      Map<CompressBench.Case, List<CompressBench.Run>> runs,
      Map<CompressBench.Case, Double> predicted) {
    this.report = report;
    this.runs = runs;
    this.predicted = predicted;
  }

  /** Writes the PNGs into {@code dir}; returns the Markdown that shows them. */
  String write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve("compress-throughput.png"), Charts.png(throughput()));
    Files.write(dir.resolve("compress-accuracy.png"), Charts.png(accuracy()));
    Files.write(dir.resolve("compress-model.png"), Charts.png(model()));
    return "![samples per second](compress-throughput.png)\n\n"
        + "![test accuracy against training time](compress-accuracy.png)\n\n"
        + "![measured and predicted step time](compress-model.png)\n";
  }

  private List<String> labels() {
    return runs.keySet().stream().map(CompressBench.Case::shortLabel).toList();
  }

  private CategoryChart throughput() {
    CategoryChart c = Charts.bars("Throughput", "way of synchronizing", "samples/s (median)");
    List<Double> sps = new ArrayList<>();
    for (List<CompressBench.Run> rs : runs.values()) {
      sps.add(CompressReport.median(rs, CompressBench.Run::samplesPerSecond));
    }
    c.addSeries("measured", labels(), sps);
    return c;
  }

  private XYChart accuracy() {
    XYChart c = Charts.xy("Test accuracy during training", "training time (s)", "test accuracy");
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
    for (var e : runs.entrySet()) {
      CompressBench.Run r = medianRun(e.getValue());
      Charts.measured(c, e.getKey().shortLabel(), r.trainSeconds(), r.accuracy());
    }
    return c;
  }

  private CategoryChart model() {
    CategoryChart c = Charts.bars("Step time: measured and model", "way of synchronizing", "ms");
    List<Double> measured = new ArrayList<>();
    List<Double> model = new ArrayList<>();
    for (var e : runs.entrySet()) {
      measured.add(CompressReport.median(e.getValue(), r -> r.stepMillis().step()));
      model.add(predicted.get(e.getKey()));
    }
    c.addSeries("measured (median)", labels(), measured);
    c.addSeries("model", labels(), model);
    return c;
  }

  /** The run in the middle by its time to the target (unreached last), then by its last epoch. */
  private CompressBench.Run medianRun(List<CompressBench.Run> rs) {
    List<CompressBench.Run> sorted = new ArrayList<>(rs);
    sorted.sort(
        Comparator.comparingDouble(
                (CompressBench.Run r) -> {
                  double t = report.toTarget(r);
                  return Double.isNaN(t) ? Double.MAX_VALUE : t;
                })
            .thenComparingDouble(r -> r.trainSeconds().get(r.trainSeconds().size() - 1)));
    return sorted.get(sorted.size() / 2);
  }
}
