package dev.cohort.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;

/**
 * A step's input tensors, allocated once by libtorch and refilled in place each step: no tensor is
 * created, and no Java buffer allocated, per step. The samples are copied straight into the
 * tensors' own memory ({@link TensorViews}), which is safe between a step's backward pass (after
 * which nothing reads them) and the next step's forward pass.
 *
 * <p>The tensors live in the manager they were allocated in; a step lends them to its own manager
 * ({@link #lendTo}), so that everything the forward pass derives from them is freed with the step,
 * and they return when that manager closes.
 */
public final class InputTensors implements AutoCloseable {
  private final NDArray features;
  private final NDArray labels;
  private final FloatBuffer featureMemory;
  private final FloatBuffer labelMemory;
  private final int batch;
  private final int sampleSize;

  private InputTensors(NDArray features, NDArray labels, int batch, int sampleSize) {
    this.features = features;
    this.labels = labels;
    this.batch = batch;
    this.sampleSize = sampleSize;
    this.featureMemory = TensorViews.view(features, "the input features").asFloatBuffer();
    this.labelMemory = TensorViews.view(labels, "the input labels").asFloatBuffer();
  }

  /**
   * Tensors for batches of {@code batch} samples of {@code data}: features {@code (batch,
   * shape...)} and labels {@code (batch)}, float32, in {@code manager}.
   */
  public static InputTensors allocate(NDManager manager, InMemoryDataset data, int batch) {
    int[] fs = data.featureShape();
    long[] dims = new long[fs.length + 1];
    dims[0] = batch;
    for (int i = 0; i < fs.length; i++) {
      dims[i + 1] = fs[i];
    }
    NDArray x = manager.zeros(new Shape(dims), DataType.FLOAT32);
    NDArray y = manager.zeros(new Shape(batch), DataType.FLOAT32);
    return new InputTensors(x, y, batch, data.featureSize());
  }

  /** Samples per batch. */
  public int batch() {
    return batch;
  }

  /**
   * Copies samples {@code indices} of {@code data} into the tensors; not while a step uses them.
   */
  public void fill(InMemoryDataset data, int[] indices) {
    if (indices.length != batch) {
      throw new IllegalArgumentException(
          "a batch of " + indices.length + " samples does not fit tensors of " + batch);
    }
    for (int i = 0; i < batch; i++) {
      data.copyFeatures(indices[i], featureMemory, i * sampleSize);
      labelMemory.put(i, data.label(indices[i]));
    }
  }

  /**
   * The tensors as (features, labels), lent to {@code step} until it closes: arrays computed from
   * them belong to {@code step}.
   */
  public NDList lendTo(NDManager step) {
    step.tempAttachAll(features, labels);
    return new NDList(features, labels);
  }

  @Override
  public void close() {
    features.close();
    labels.close();
  }
}
