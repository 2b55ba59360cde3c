package dev.cohort.train;

import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.RunSummary;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The tables rank 0 prints: the effective configuration at the start, the results at the end. */
final class RunTables {
  private RunTables() {}

  static String start(EffectiveConfig config) {
    return table("Cohort training", config.rows());
  }

  /**
   * @param runDir the run folder, or null where nothing was written
   */
  static String end(RunSummary s, Path runDir) {
    Map<String, Object> rows = new LinkedHashMap<>();
    rows.put("test accuracy", String.format(Locale.ROOT, "%.4f", s.finalTestAccuracy()));
    rows.put(
        "throughput",
        String.format(Locale.ROOT, "%,.0f samples/s (all workers)", s.samplesPerSecond()));
    rows.put(
        "training time",
        String.format(Locale.ROOT, "%.1f s (%d steps)", s.trainSeconds(), s.steps()));
    RunSummary.StepTimes ms = s.stepTimeMs();
    rows.put(
        "step time",
        String.format(
            Locale.ROOT,
            "%.2f ms = data %.2f + forward/backward %.2f "
                + "+ communication %.2f + waiting %.2f + optimizer %.2f + other %.2f "
                + "(%.1f%% in named phases)",
            ms.step(),
            ms.data(),
            ms.forwardBackward(),
            ms.communication(),
            ms.waiting(),
            ms.optimizer(),
            ms.other(),
            100 * ms.accounted()));
    List<String> memory =
        s.peakMemoryBytesPerWorker().stream().map(b -> (b >> 20) + " MiB").toList();
    rows.put("peak memory per worker", memory);
    if (runDir != null) {
      rows.put("run folder", runDir);
    }
    return table("Run summary", rows);
  }

  /** A title, then one indented row per entry, names with spaces for underscores. */
  static String table(String title, Map<String, ?> rows) {
    StringBuilder sb = new StringBuilder(title).append('\n');
    rows.forEach(
        (k, v) -> sb.append(String.format(Locale.ROOT, "  %-24s %s%n", k.replace('_', ' '), v)));
    return sb.toString();
  }
}
