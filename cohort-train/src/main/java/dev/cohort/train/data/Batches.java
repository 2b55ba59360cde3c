package dev.cohort.train.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Turns sample indices into a (features, labels) pair of NDArrays. */
public final class Batches {
  private Batches() {}

  /** Features as {@code (n, shape...)} float32, labels as {@code (n)} float32 class indices. */
  public static NDList build(NDManager manager, InMemoryDataset data, int[] indices) {
    return toNd(manager, data, BatchPrefetcher.gather(data, indices));
  }

  /** NDArrays from a batch gathered in Java arrays (possibly by a {@link BatchPrefetcher}). */
  public static NDList toNd(NDManager manager, InMemoryDataset data, BatchPrefetcher.Host host) {
    int[] fs = data.featureShape();
    long[] dims = new long[fs.length + 1];
    dims[0] = host.labels().length;
    for (int i = 0; i < fs.length; i++) {
      dims[i + 1] = fs[i];
    }
    return new NDList(
        manager.create(host.features(), new Shape(dims)), manager.create(host.labels()));
  }
}
