package dev.cohort.train.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST from the Debian package {@code dataset-fashion-mnist}: 60,000 training and 10,000
 * test images of 28x28 grey pixels in 10 classes. Nothing is ever downloaded.
 */
public final class FashionMnist {
  /** Where the Debian package installs the files. */
  public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  private FashionMnist() {}

  /**
   * Loads the training or test split from {@code dir}.
   *
   * @throws IOException naming the missing file and how to install the package
   */
  public static InMemoryDataset load(Path dir, boolean train) throws IOException {
    String prefix = train ? "train" : "t10k";
    Path images = find(dir, prefix + "-images-idx3-ubyte");
    Path labels = find(dir, prefix + "-labels-idx1-ubyte");
    IdxReader.IdxArray x = IdxReader.read(images);
    IdxReader.IdxArray y = IdxReader.read(labels);
    if (x.items() != y.items()) {
      throw new IOException(
          images + " has " + x.items() + " images but " + labels + " has " + y.items() + " labels");
    }
    return InMemoryDataset.fromUnsignedBytes(x, y, 10)
        .describedAs("Fashion-MNIST " + (train ? "training" : "test") + " set in " + dir);
  }

  private static Path find(Path dir, String base) throws IOException {
    for (String name : new String[] {base + ".gz", base}) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IOException(
        "Fashion-MNIST file "
            + dir.resolve(base + ".gz")
            + " not found. "
            + "Install the data set with: apt-get install dataset-fashion-mnist"
            + (dir.equals(DEFAULT_DIR)
                ? ""
                : " (or point --data at the folder holding the IDX files)"));
  }
}
