package dev.cohort.lab.chaos;

import java.util.List;

/**
 * How one target's chaos run ended.
 *
 * @param kills in order, each with the step its run resumed from
 * @param steps steps the run trained, each counted once (its summary.json)
 * @param accuracy its final test accuracy
 * @param modelIdentical whether its final model's files are byte for byte the uninterrupted run's
 */
record TargetResult(
    Target target, List<Kill> kills, long steps, double accuracy, boolean modelIdentical) {
  TargetResult {
    kills = List.copyOf(kills);
  }
}
