package dev.cohort.train.metrics;

import dev.cohort.train.TrainConfig;
import java.util.List;

/** Hears about a run's progress: the progress bar and the metrics files implement it. */
public interface RunListener {

  default void onStart(TrainConfig cfg, int workers, int stepsPerEpoch, List<Integer> bucketBytes) {}

  /** After step {@code r}; {@code batchInEpoch} counts from 1 to {@code batchesPerEpoch}. */
  default void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {}

  default void onEpoch(int epoch, double trainLoss, double testAccuracy) {}

  /** A listener that does nothing (ranks other than 0). */
  RunListener NONE = new RunListener() {};
}
