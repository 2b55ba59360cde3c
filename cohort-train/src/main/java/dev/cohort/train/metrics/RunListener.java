package dev.cohort.train.metrics;

import dev.cohort.train.TrainConfig;
import java.util.List;

/** Hears about a run's progress: the progress bar and the metrics files implement it. */
public interface RunListener {

  /**
   * What a run starts with.
   *
   * @param workers the world size
   * @param bucketBytes the size of each gradient bucket
   * @param data what is trained on
   * @param startStep the step training starts from: 0, or the step of the checkpoint resumed from
   */
  record Start(
      TrainConfig config,
      int workers,
      int stepsPerEpoch,
      List<Integer> bucketBytes,
      String data,
      long startStep) {
    /** A start from step 0. */
    public Start(
        TrainConfig config,
        int workers,
        int stepsPerEpoch,
        List<Integer> bucketBytes,
        String data) {
      this(config, workers, stepsPerEpoch, bucketBytes, data, 0);
    }

    /** Whether training goes on from a checkpoint. */
    public boolean resumed() {
      return config.checkpointing().resumeFrom() != null && startStep > 0;
    }
  }

  default void onStart(Start start) {}

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
      public void onStart(Start start) {
        ls.forEach(l -> l.onStart(start));
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
