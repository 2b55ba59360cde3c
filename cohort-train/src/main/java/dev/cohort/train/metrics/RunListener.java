package dev.cohort.train.metrics;

import dev.cohort.train.TrainConfig;
import java.util.List;

/** Hears about a run's progress: the progress bar and the metrics files implement it. */
public interface RunListener {

  default void onStart(
      TrainConfig cfg, int workers, int stepsPerEpoch, List<Integer> bucketBytes) {}

  /** After step {@code r}; {@code batchInEpoch} counts from 1 to {@code batchesPerEpoch}. */
  default void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {}

  default void onEpoch(int epoch, double trainLoss, double testAccuracy) {}

  /** A listener that does nothing (ranks other than 0). */
  RunListener NONE = new RunListener() {};

  /** A listener that tells each of {@code listeners} in turn. */
  static RunListener all(List<RunListener> listeners) {
    List<RunListener> ls = List.copyOf(listeners);
    return new RunListener() {
      @Override
      public void onStart(
          TrainConfig cfg, int workers, int stepsPerEpoch, List<Integer> bucketBytes) {
        ls.forEach(l -> l.onStart(cfg, workers, stepsPerEpoch, bucketBytes));
      }

      @Override
      public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
        ls.forEach(l -> l.onStep(r, batchInEpoch, batchesPerEpoch));
      }

      @Override
      public void onEpoch(int epoch, double trainLoss, double testAccuracy) {
        ls.forEach(l -> l.onEpoch(epoch, trainLoss, testAccuracy));
      }
    };
  }
}
