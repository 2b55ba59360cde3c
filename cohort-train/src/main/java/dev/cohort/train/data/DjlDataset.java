package dev.cohort.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A DJL {@link RandomAccessDataset} as {@link TrainingData}. Batches go through the data set's own
 * machinery ({@code getData} with a sampler that yields exactly the trainer's indices), so its
 * pipeline, transforms and batchifiers apply as they would in a plain DJL training loop.
 */
final class DjlDataset implements TrainingData {
  private static final int FINGERPRINT_SAMPLES = 64;

  private final RandomAccessDataset dataset;
  private final int size;

  DjlDataset(RandomAccessDataset dataset) {
    this(dataset, size(dataset));
  }

  private DjlDataset(RandomAccessDataset dataset, int size) {
    this.dataset = dataset;
    this.size = size;
  }

  private static int size(RandomAccessDataset dataset) {
    try {
      dataset.prepare();
    } catch (IOException | TranslateException e) {
      throw new IllegalStateException(
          "cannot prepare the data set " + dataset.getClass().getName() + ": " + e.getMessage(), e);
    }
    long n = dataset.size();
    if (n < 1 || n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "the data set " + dataset.getClass().getName() + " has " + n + " samples");
    }
    return (int) n;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public long[] sampleShape() {
    try (NDManager m = NDManager.newBaseManager()) {
      long[] shape = batch(m, new int[] {0}).get(0).getShape().getShape();
      return Arrays.copyOfRange(shape, 1, shape.length);
    }
  }

  @Override
  public NDList batch(NDManager manager, int[] indices) {
    Batch b;
    try {
      Iterator<Batch> it = dataset.getData(manager, new Exactly(indices)).iterator();
      b = it.next();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read samples from the data set", e);
    } catch (TranslateException e) {
      throw new IllegalStateException("the data set's pipeline failed: " + e.getMessage(), e);
    }
    NDArray x = b.getData().head();
    NDArray y = b.getLabels().head();
    if (y.size() != indices.length) {
      throw new IllegalArgumentException(
          "labels must be one class index per sample; the data set gives labels of shape "
              + y.getShape()
              + " for "
              + indices.length
              + " samples");
    }
    return new NDList(x, y.reshape(indices.length).toType(DataType.FLOAT32, false));
  }

  @Override
  public TrainingData head(int n) {
    return new DjlDataset(dataset, Math.min(n, size));
  }

  @Override
  public String fingerprint() {
    int n = Math.min(FINGERPRINT_SAMPLES, size);
    int[] idx = new int[n];
    Arrays.setAll(idx, i -> i);
    CRC32C crc = new CRC32C();
    long[] shape;
    try (NDManager m = NDManager.newBaseManager()) {
      NDList b = batch(m, idx);
      for (NDArray a : b) {
        ByteBuffer bytes = a.toType(DataType.FLOAT32, false).toByteBuffer();
        crc.update(bytes);
      }
      long[] batchShape = b.get(0).getShape().getShape();
      shape = Arrays.copyOfRange(batchShape, 1, batchShape.length);
    }
    return size + "x" + Arrays.toString(shape) + ":" + Long.toHexString(crc.getValue());
  }

  @Override
  public String description() {
    return dataset.getClass().getSimpleName() + " (" + size + " samples)";
  }

  /** A sampler with one batch: the given indices, in order. */
  private record Exactly(int[] indices) implements Sampler {
    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
      List<Long> batch = Arrays.stream(indices).mapToObj(i -> (long) i).toList();
      return List.of(batch).iterator();
    }

    @Override
    public int getBatchSize() {
      return indices.length;
    }
  }
}
