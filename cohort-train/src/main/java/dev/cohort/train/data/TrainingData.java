package dev.cohort.train.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;

/**
 * Labelled samples the distributed trainer can index: Cohort's {@link InMemoryDataset}, or any DJL
 * {@link RandomAccessDataset} through {@link #of(RandomAccessDataset)}. Labels are class indices
 * (the trainer's default loss is softmax cross-entropy, and accuracy is arg-max against them).
 */
public sealed interface TrainingData permits InMemoryDataset, DjlDataset {

  /** A DJL data set, batched by its own pipeline and batchifiers. */
  static TrainingData of(RandomAccessDataset dataset) {
    return new DjlDataset(dataset);
  }

  int size();

  /** Shape of one sample's features, e.g. {1, 28, 28}. */
  long[] sampleShape();

  /**
   * The samples at {@code indices}: features of shape {@code (n, sampleShape...)} and labels of
   * shape {@code (n)} as float32 class indices, made in {@code manager}.
   */
  NDList batch(NDManager manager, int[] indices);

  /** The first {@code n} samples (all if there are fewer). */
  TrainingData head(int n);

  /** A checksum that changes with the data: resuming a run on other data is refused by it. */
  String fingerprint();

  /** What the data is, for the run's configuration record, e.g. "Fashion-MNIST training set". */
  String description();
}
