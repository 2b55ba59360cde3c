package dev.cohort.ops.models;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.World;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainConfigBuilder;
import dev.cohort.train.TrainWorker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Real runs for the registry's tests, trained once per test JVM by a world of one worker: the MLP
 * on 6,400 images ({@code good}), on 12,800 images for 2 epochs ({@code better}) and on 256 images
 * ({@code poor}).
 */
final class TrainedRuns {
  private static final Map<String, Path> RUNS = new HashMap<>();
  private static Path root;

  private TrainedRuns() {}

  static synchronized Path get(String name) {
    return RUNS.computeIfAbsent(name, TrainedRuns::train);
  }

  private static Path train(String name) {
    TrainConfigBuilder b = TrainConfig.builder().model("mlp").testLimit(1000).progress(false);
    switch (name) {
      case "good" -> b.trainLimit(6400).seed(7);
      case "better" -> b.trainLimit(12800).epochs(2).seed(8);
      case "poor" -> b.trainLimit(256).seed(9);
      default -> throw new IllegalArgumentException(name);
    }
    try {
      if (root == null) {
        root = Files.createTempDirectory("cohort-trained-runs-");
      }
      Path dir = root.resolve(name);
      TrainWorker.run(
          CommConfig.defaults(Secrets.generate()),
          new World("127.0.0.1", 0, 0, 1, 0, true, 0, "test"),
          TrainWorker.Job.of(b.runDir(dir).build()),
          new PrintStream(new ByteArrayOutputStream(), true));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
