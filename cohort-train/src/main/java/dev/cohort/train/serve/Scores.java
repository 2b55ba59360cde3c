package dev.cohort.train.serve;

import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.data.Shifts;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a classifier scores, set by set: the held-out test set ({@value #TEST}) and each of its
 * shifted versions ({@code shift:noise}, {@code shift:rotation}, {@code shift:contrast}), each with
 * its accuracy, mean cross-entropy and accuracy class by class.
 */
public record Scores(Map<String, Set> sets) {
  /** The held-out test set's name. */
  public static final String TEST = "test";

  /** One set's scores; {@code classAccuracy} is NaN for a class with no samples. */
  public record Set(long samples, double accuracy, double loss, List<Double> classAccuracy) {}

  public Scores {
    sets = Map.copyOf(sets);
  }

  /**
   * Scores {@code classifier} on {@code test} and, for square single-channel images, on its shifts
   * (made with {@code seed}, as training's own shifted evaluation makes them).
   */
  public static Scores of(Classifier classifier, InMemoryDataset test, long seed) {
    Map<String, Set> sets = new LinkedHashMap<>();
    sets.put(TEST, classifier.score(test));
    if (Shifts.applicable(test)) {
      for (Shifts.Kind kind : Shifts.Kind.values()) {
        sets.put(
            "shift:" + kind.name().toLowerCase(Locale.ROOT),
            classifier.score(Shifts.apply(test, kind, seed)));
      }
    }
    return new Scores(sets);
  }
}
