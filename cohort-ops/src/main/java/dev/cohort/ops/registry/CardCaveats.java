package dev.cohort.ops.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The caveats a model card adds by itself from the evaluation: weak classes and costly shifts.
 * Points are percentage points of accuracy (0.01 accuracy = 1 point).
 */
final class CardCaveats {

  /** A class this far below the mean class accuracy on the test set gets a caveat. */
  static final double CLASS_GAP_POINTS = 10.0;

  /** A shifted set this far below the test accuracy gets a caveat. */
  static final double SHIFT_LOSS_POINTS = 5.0;

  private CardCaveats() {}

  /** The automatic caveats, weak classes first, then shifts. */
  static List<String> of(Evaluation evaluation) {
    List<String> out = new ArrayList<>();
    SetScore test = evaluation.sets().get(Evaluation.TEST);
    if (test == null) {
      out.add("no held-out test set was evaluated, so accuracy on unseen data is unknown");
      return out;
    }
    List<Double> classes = test.classAccuracy();
    double mean = classes.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    for (int c = 0; c < classes.size(); c++) {
      double gap = (mean - classes.get(c)) * 100;
      if (gap > CLASS_GAP_POINTS) {
        out.add(
            String.format(
                Locale.ROOT,
                "class %d: test accuracy %.4f is %.1f points below the mean class accuracy %.4f",
                c,
                classes.get(c),
                gap,
                mean));
      }
    }
    for (Map.Entry<String, SetScore> set : evaluation.sets().entrySet()) {
      double loss = (test.accuracy() - set.getValue().accuracy()) * 100;
      if (!set.getKey().equals(Evaluation.TEST) && loss > SHIFT_LOSS_POINTS) {
        out.add(
            String.format(
                Locale.ROOT,
                "%s: accuracy %.4f is %.1f points below the test accuracy %.4f; expect worse"
                    + " results on such inputs",
                set.getKey(),
                set.getValue().accuracy(),
                loss,
                test.accuracy()));
      }
    }
    return out;
  }
}
