package dev.cohort.checkpoint;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a run folder keeps its checkpoints: {@code checkpoints/} holds a whole model's {@link
 * CheckpointStore}, and a model cut into pipeline stages keeps one store per stage, {@code
 * checkpoints/stage-<s>/}, written by the rank that holds the stage. A checkpoint of a staged model
 * is the set of its stages' checkpoints of one step.
 */
public final class CheckpointFolders {
  /** The run folder's subfolder of checkpoints. */
  public static final String FOLDER = "checkpoints";

  private static final String STAGE = "stage-";

  private CheckpointFolders() {}

  /** The checkpoints of the run in {@code runDir}. */
  public static Path of(Path runDir) {
    return runDir.resolve(FOLDER);
  }

  /** The store of stage {@code stage} of a staged model, under {@code checkpoints}. */
  public static Path stage(Path checkpoints, int stage) {
    return checkpoints.resolve(STAGE + stage);
  }

  /** True if {@code checkpoints} holds any checkpoint, of a whole model or of a stage. */
  public static boolean hasAny(Path checkpoints) {
    if (!new CheckpointStore(checkpoints, 1).steps().isEmpty()) {
      return true;
    }
    if (!Files.isDirectory(checkpoints)) {
      return false;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(checkpoints, STAGE + "*")) {
      for (Path p : ds) {
        if (!Files.isSymbolicLink(p) && !new CheckpointStore(p, 1).steps().isEmpty()) {
          return true;
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  /**
   * How to name the checkpoint of {@code step} under {@code checkpoints} in a message: its folder,
   * or {@code stage-*}{@code /ckpt-<step>} for a staged model.
   */
  public static String describe(Path checkpoints, long step) {
    Path whole = new CheckpointStore(checkpoints, 1).path(step);
    return Files.isDirectory(whole)
        ? whole.toString()
        : checkpoints.resolve(STAGE + "*").resolve(CheckpointStore.name(step)).toString();
  }
}
