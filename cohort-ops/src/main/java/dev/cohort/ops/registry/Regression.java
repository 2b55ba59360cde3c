package dev.cohort.ops.registry;

import java.util.Locale;

/**
 * One metric on which a candidate is worse than the champion by more than the gate allows, or a set
 * it was scored on other images of ({@code "test samples"}: the counts differ).
 *
 * @param metric what fell, e.g. {@code "test accuracy"}, {@code "shift:noise accuracy"} or {@code
 *     "test class 6 accuracy"}
 * @param champion the champion's value
 * @param candidate the candidate's value, NaN when the candidate was not evaluated on it
 * @param allowedDrop the largest drop the gate allows (absolute)
 */
public record Regression(String metric, double champion, double candidate, double allowedDrop) {

  /**
   * One sentence, e.g. {@code "test class 6 accuracy fell from 0.7120 to 0.6410 (allowed drop
   * 0.0200)"}.
   */
  public String describe() {
    if (metric.endsWith(" samples")) {
      return String.format(
          Locale.ROOT,
          "%s: the candidate was scored on %.0f images, the champion on %.0f, and scores on"
              + " different images do not compare (register both with the same --test-limit)",
          metric.substring(0, metric.length() - " samples".length()),
          candidate,
          champion);
    }
    if (Double.isNaN(candidate)) {
      return String.format(
          Locale.ROOT,
          "%s is missing from the candidate (champion has %.4f, allowed drop %.4f)",
          metric,
          champion,
          allowedDrop);
    }
    return String.format(
        Locale.ROOT,
        "%s fell from %.4f to %.4f (allowed drop %.4f)",
        metric,
        champion,
        candidate,
        allowedDrop);
  }
}
