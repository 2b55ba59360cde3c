package dev.cohort.train.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A labelled data set held in memory as float features in [0, 1] and int labels: what the
 * distributed trainer consumes. Users with their own data build one with {@link #of}.
 */
public final class InMemoryDataset implements TrainingData {
  private final float[] features;
  private final int[] labels;
  private final int featureSize;
  private final int[] featureShape;
  private final int classes;
  private final String description;

  private InMemoryDataset(
      float[] features, int[] labels, int[] featureShape, int classes, String description) {
    int size = 1;
    for (int d : featureShape) {
      size *= d;
    }
    if (features.length != (long) size * labels.length) {
      throw new IllegalArgumentException(
          labels.length
              + " samples of shape "
              + Arrays.toString(featureShape)
              + " need "
              + (long) size * labels.length
              + " features, got "
              + features.length);
    }
    for (int l : labels) {
      if (l < 0 || l >= classes) {
        throw new IllegalArgumentException("label " + l + " outside [0, " + classes + ")");
      }
    }
    this.features = features;
    this.labels = labels;
    this.featureSize = size;
    this.featureShape = featureShape.clone();
    this.classes = classes;
    this.description = description;
  }

  /**
   * A data set from flat features (sample after sample) and labels.
   *
   * @param featureShape the shape of one sample, e.g. {1, 28, 28}
   */
  public static InMemoryDataset of(
      float[] features, int[] labels, int[] featureShape, int classes) {
    return new InMemoryDataset(
        features, labels, featureShape, classes, "in-memory data (" + labels.length + " samples)");
  }

  /** The same samples under another description (for the run's configuration record). */
  public InMemoryDataset describedAs(String text) {
    return new InMemoryDataset(features, labels, featureShape, classes, text);
  }

  static InMemoryDataset fromUnsignedBytes(
      IdxReader.IdxArray x, IdxReader.IdxArray y, int classes) {
    float[] f = new float[x.data().length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (x.data()[i] & 0xFF) / 255f;
    }
    int[] l = new int[y.items()];
    for (int i = 0; i < l.length; i++) {
      l[i] = y.data()[i] & 0xFF;
    }
    int[] shape = new int[x.dims().length];
    shape[0] = 1; // channels
    System.arraycopy(x.dims(), 1, shape, 1, x.dims().length - 1);
    return new InMemoryDataset(f, l, shape, classes, l.length + " samples");
  }

  @Override
  public int size() {
    return labels.length;
  }

  public int featureSize() {
    return featureSize;
  }

  /** Shape of one sample, e.g. {1, 28, 28}. */
  public int[] featureShape() {
    return featureShape.clone();
  }

  public int classes() {
    return classes;
  }

  /** Copies sample {@code index}'s features into {@code dst} at {@code offset}. */
  public void copyFeatures(int index, float[] dst, int offset) {
    System.arraycopy(features, index * featureSize, dst, offset, featureSize);
  }

  /** Copies sample {@code index}'s features into {@code dst} at {@code offset} (in floats). */
  public void copyFeatures(int index, java.nio.FloatBuffer dst, int offset) {
    dst.put(offset, features, index * featureSize, featureSize);
  }

  public int label(int index) {
    return labels[index];
  }

  /**
   * CRC-32C of the labels, the features and the shape: resuming a run on other data is refused by
   * comparing this with the checkpoint's.
   */
  @Override
  public String fingerprint() {
    CRC32C crc = new CRC32C();
    ByteBuffer b = ByteBuffer.allocate(4 * 4096);
    for (int at = 0; at < features.length; at += 4096) {
      b.clear();
      b.asFloatBuffer().put(features, at, Math.min(4096, features.length - at));
      crc.update(b.array(), 0, 4 * Math.min(4096, features.length - at));
    }
    for (int l : labels) {
      crc.update(l);
    }
    return size() + "x" + Arrays.toString(featureShape) + ":" + Long.toHexString(crc.getValue());
  }

  /** The first {@code n} samples (for quick runs and tests). */
  @Override
  public InMemoryDataset head(int n) {
    if (n >= size()) {
      return this;
    }
    float[] f = Arrays.copyOf(features, n * featureSize);
    int[] l = Arrays.copyOf(labels, n);
    return new InMemoryDataset(
        f, l, featureShape, classes, description + ", first " + n + " samples");
  }

  @Override
  public long[] sampleShape() {
    return Arrays.stream(featureShape).asLongStream().toArray();
  }

  @Override
  public NDList batch(NDManager manager, int[] indices) {
    return Batches.build(manager, this, indices);
  }

  @Override
  public String description() {
    return description;
  }
}
