package dev.cohort.ops.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The regression gate a candidate must pass to replace the champion. Drops are absolute fractions:
 * {@code maxDrop = 0.01} lets accuracy fall from 0.90 to 0.89 but not to 0.885.
 *
 * @param maxDrop largest allowed drop of a set's accuracy
 * @param maxClassDrop largest allowed drop of any one class's accuracy within a set
 */
public record Gate(double maxDrop, double maxClassDrop) {

  /** The gate used when none is given: 1 point per set, 2 points per class. */
  public static final Gate DEFAULT = new Gate(0.01, 0.02);

  /** Tolerance for floating-point noise, so 0.80 to 0.79 passes a 0.01 gate. */
  private static final double EPSILON = 1e-9;

  /** Requires finite, non-negative drops. */
  public Gate {
    requireDrop("maxDrop", maxDrop);
    requireDrop("maxClassDrop", maxClassDrop);
  }

  /**
   * The candidate's regressions against the champion, in the champion's set order: for each set the
   * champion was evaluated on, a missing set, a set accuracy that drops by more than {@code
   * maxDrop}, and each class accuracy that drops by more than {@code maxClassDrop} (or is missing).
   * Empty means the candidate passes.
   */
  public List<Regression> check(Evaluation candidate, Evaluation champion) {
    List<Regression> found = new ArrayList<>();
    for (Map.Entry<String, SetScore> entry : champion.sets().entrySet()) {
      String set = entry.getKey();
      SetScore was = entry.getValue();
      SetScore now = candidate.sets().get(set);
      if (now == null) {
        found.add(new Regression(set + " accuracy", was.accuracy(), Double.NaN, maxDrop));
        continue;
      }
      if (now.samples() != was.samples()) {
        found.add(new Regression(set + " samples", was.samples(), now.samples(), 0));
      }
      compare(found, set + " accuracy", was.accuracy(), now.accuracy(), maxDrop);
      for (int c = 0; c < was.classAccuracy().size(); c++) {
        double after = c < now.classAccuracy().size() ? now.classAccuracy().get(c) : Double.NaN;
        compare(
            found,
            set + " class " + c + " accuracy",
            was.classAccuracy().get(c),
            after,
            maxClassDrop);
      }
    }
    return List.copyOf(found);
  }

  private static void compare(
      List<Regression> found, String metric, double was, double now, double allowed) {
    if (Double.isNaN(now) || was - now > allowed + EPSILON) {
      found.add(new Regression(metric, was, now, allowed));
    }
  }

  private static void requireDrop(String name, double value) {
    if (!(value >= 0.0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
    }
  }
}
