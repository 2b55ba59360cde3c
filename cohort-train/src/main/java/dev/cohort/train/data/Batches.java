package dev.cohort.train.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Turns sample indices into a (features, labels) pair of new NDArrays. */
public final class Batches {
  private Batches() {}

  /** Features as {@code (n, shape...)} float32, labels as {@code (n)} float32 class indices. */
  public static NDList build(NDManager manager, InMemoryDataset data, int[] indices) {
    int size = data.featureSize();
    float[] x = new float[indices.length * size];
    float[] y = new float[indices.length];
    for (int i = 0; i < indices.length; i++) {
      data.copyFeatures(indices[i], x, i * size);
      y[i] = data.label(indices[i]);
    }
    int[] fs = data.featureShape();
    long[] dims = new long[fs.length + 1];
    dims[0] = indices.length;
    for (int i = 0; i < fs.length; i++) {
      dims[i + 1] = fs[i];
    }
    return new NDList(manager.create(x, new Shape(dims)), manager.create(y));
  }
}
