package com.example;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST (70,000 28x28 grey images of clothes in 10 classes) as DJL data sets, read from the
 * files of Debian's package {@code dataset-fashion-mnist}; nothing is downloaded.
 *
 * <p>Each split becomes an {@link ArrayDataset}, a DJL {@code RandomAccessDataset} that Cohort's
 * trainer takes as it is: features are float32 of shape (n, 1, 28, 28) with values in [0, 1],
 * labels float32 class indices of shape (n). Any other {@code RandomAccessDataset} of yours would
 * do, as long as each label is one class index.
 *
 * <p>The arrays are created in the {@link NDManager} the caller passes: keep it open while the data
 * set is used, and close it afterwards.
 */
public final class FashionData {
  /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
  public static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");

  private static final int IMAGES_MAGIC = 2051;
  private static final int LABELS_MAGIC = 2049;

  private FashionData() {}

  /** The first {@code limit} of the 60,000 training images (0: all). */
  public static ArrayDataset train(NDManager manager, int limit, int batch) {
    return load(manager, "train", limit, batch);
  }

  /** The first {@code limit} of the 10,000 test images (0: all). */
  public static ArrayDataset test(NDManager manager, int limit, int batch) {
    return load(manager, "t10k", limit, batch);
  }

  /**
   * One split. {@code batch} is the batch size of DJL's own iteration ({@code getData}), in file
   * order; Cohort's trainer ignores it and draws its own batches.
   */
  private static ArrayDataset load(NDManager manager, String split, int limit, int batch) {
    Path images = DIR.resolve(split + "-images-idx3-ubyte.gz");
    Path labels = DIR.resolve(split + "-labels-idx1-ubyte.gz");
    if (!Files.isReadable(images) || !Files.isReadable(labels)) {
      throw new IllegalStateException(
          "Fashion-MNIST not found in "
              + DIR
              + "; install it with: apt-get install dataset-fashion-mnist");
    }
    byte[][] x = readIdx(images, IMAGES_MAGIC, limit);
    byte[][] y = readIdx(labels, LABELS_MAGIC, limit);
    int n = x.length;
    int pixels = x[0].length;

    // Bytes 0..255 to floats in [0, 1]; labels stay class numbers 0..9, stored as floats.
    float[] features = new float[n * pixels];
    float[] classes = new float[n];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < pixels; p++) {
        features[i * pixels + p] = (x[i][p] & 0xff) / 255f;
      }
      classes[i] = y[i][0] & 0xff;
    }
    return new ArrayDataset.Builder()
        .setData(manager.create(features, new Shape(n, 1, 28, 28)))
        .optLabels(manager.create(classes, new Shape(n)))
        .setSampling(batch, false)
        .build();
  }

  /**
   * Reads an IDX file (big-endian: magic number, item count, then for images rows and columns; then
   * one unsigned byte per value): up to {@code limit} items (0: all), each as its bytes.
   */
  private static byte[][] readIdx(Path file, int magic, int limit) {
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
      int found = in.readInt();
      if (found != magic) {
        throw new IllegalStateException(
            file + " is not an IDX file of this kind: magic " + found + ", expected " + magic);
      }
      int count = in.readInt();
      int itemBytes = magic == IMAGES_MAGIC ? in.readInt() * in.readInt() : 1;
      int n = limit > 0 ? Math.min(limit, count) : count;
      byte[][] items = new byte[n][itemBytes];
      for (byte[] item : items) {
        in.readFully(item);
      }
      return items;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
