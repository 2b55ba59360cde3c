package dev.cohort.ops.models;

import dev.cohort.ops.registry.Evaluation;
import dev.cohort.ops.registry.ModelVersion;
import dev.cohort.train.serve.Classifier;
import dev.cohort.train.serve.SavedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A registered version loaded for serving: its model file is copied into a private folder, and the
 * copy checked against the digest the registry recorded, then loaded, so a file changed or swapped
 * since registration is never served.
 */
record ServedModel(ModelVersion version, Classifier classifier) implements AutoCloseable {
  /** Fashion-MNIST's images: what Cohort's image models take. */
  static final int[] SAMPLE_SHAPE = {1, 28, 28};

  /**
   * Loads {@code version}.
   *
   * @throws IOException naming the file when it is gone, changed or cannot be loaded
   */
  static ServedModel load(ModelVersion version) throws IOException {
    SavedModel registered = SavedModel.of(Path.of(version.lineage().checkpointPath()));
    // Checked and loaded from one private copy (a temporary folder is 0700): the file cannot
    // change between the check and the load.
    Path copyDir = Files.createTempDirectory("cohort-serve-");
    Path copy = copyDir.resolve(registered.file().getFileName());
    try {
      Files.copy(registered.file(), copy);
      SavedModel saved = SavedModel.of(copy);
      String digest = saved.sha256();
      if (!digest.equals(version.lineage().checkpointDigest())) {
        throw new IOException(
            registered.file()
                + " has SHA-256 "
                + digest
                + ", not the "
                + version.lineage().checkpointDigest()
                + " registered for "
                + version.label()
                + ": the file changed since; register the run again");
      }
      int classes =
          version.evaluation().set(Evaluation.TEST).map(s -> s.classAccuracy().size()).orElse(10);
      return new ServedModel(version, Classifier.load(saved, SAMPLE_SHAPE, classes));
    } finally {
      Files.deleteIfExists(copy); // the parameters are in memory now
      Files.deleteIfExists(copyDir);
    }
  }

  @Override
  public void close() {
    classifier.close();
  }
}
