package dev.cohort.ops.registry;

import java.util.List;
import java.util.Objects;

/**
 * How a model scored on one evaluation set.
 *
 * @param samples how many samples were evaluated
 * @param accuracy fraction correct, 0 to 1
 * @param loss mean loss over the set (may be NaN when training diverged)
 * @param classAccuracy fraction correct per class, indexed by class id, each 0 to 1
 */
public record SetScore(long samples, double accuracy, double loss, List<Double> classAccuracy) {

  /** Validates the score and copies the class list. */
  public SetScore {
    if (samples < 0) {
      throw new IllegalArgumentException("samples must be >= 0, got " + samples);
    }
    requireFraction("accuracy", accuracy);
    Objects.requireNonNull(classAccuracy, "classAccuracy");
    for (int c = 0; c < classAccuracy.size(); c++) {
      Double value = classAccuracy.get(c);
      if (value == null) {
        throw new IllegalArgumentException("class " + c + " accuracy is missing (null)");
      }
      requireFraction("class " + c + " accuracy", value);
    }
    classAccuracy = List.copyOf(classAccuracy);
  }

  private static void requireFraction(String what, double value) {
    if (!(value >= 0.0 && value <= 1.0)) {
      throw new IllegalArgumentException(what + " must be between 0 and 1, got " + value);
    }
  }
}
