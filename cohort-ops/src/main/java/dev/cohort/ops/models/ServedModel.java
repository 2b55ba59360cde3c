package dev.cohort.ops.models;

import dev.cohort.ops.registry.Evaluation;
import dev.cohort.ops.registry.ModelVersion;
import dev.cohort.train.serve.Classifier;
import dev.cohort.train.serve.SavedModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A registered version loaded for serving: its model file is checked against the digest the
 * registry recorded before anything is loaded, so a file changed or swapped since registration is
 * never served.
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
    SavedModel saved = SavedModel.of(Path.of(version.lineage().checkpointPath()));
    String digest = saved.sha256();
    if (!digest.equals(version.lineage().checkpointDigest())) {
      throw new IOException(
          saved.file()
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
  }

  @Override
  public void close() {
    classifier.close();
  }
}
