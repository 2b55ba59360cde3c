package dev.cohort.train.serve;

import dev.cohort.checkpoint.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model as DJL saved it in a run folder: {@code model/<name>-<epoch>.params}, the newest epoch
 * being the one training ended with (a resumed run saves again, one epoch higher).
 *
 * @param file the parameters file
 * @param name the model's name (its architecture, e.g. cnn)
 * @param epoch the epoch number in the file name
 */
public record SavedModel(Path file, String name, int epoch) {
  private static final Pattern PARAMS = Pattern.compile("(.+)-(\\d{4})\\.params");

  /**
   * The newest parameters file in {@code modelDir}.
   *
   * @throws NoSuchFileException naming the folder when it holds none
   */
  public static SavedModel newest(Path modelDir) throws IOException {
    if (!Files.isDirectory(modelDir)) {
      throw new NoSuchFileException(
          modelDir + " (no trained model: a run saves it into RUN/model when training ends)");
    }
    Optional<SavedModel> newest;
    try (Stream<Path> files = Files.list(modelDir)) {
      newest =
          files
              .map(SavedModel::parse)
              .flatMap(Optional::stream)
              .max(Comparator.comparingInt(SavedModel::epoch));
    }
    return newest.orElseThrow(
        () -> new NoSuchFileException(modelDir + " holds no <model>-<epoch>.params file"));
  }

  /**
   * The parameters file {@code file}, as the registry recorded it.
   *
   * @throws NoSuchFileException when it is gone or not named {@code <model>-<epoch>.params}
   */
  public static SavedModel of(Path file) throws NoSuchFileException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file + " (the model file is gone: was its run folder deleted?)");
    }
    return parse(file)
        .orElseThrow(() -> new NoSuchFileException(file + " is not named <model>-<epoch>.params"));
  }

  private static Optional<SavedModel> parse(Path p) {
    Matcher m = PARAMS.matcher(p.getFileName().toString());
    return m.matches()
        ? Optional.of(new SavedModel(p, m.group(1), Integer.parseInt(m.group(2))))
        : Optional.empty();
  }

  /** The SHA-256 of the parameters file, hex. */
  public String sha256() throws IOException {
    return Sha256.ofFile(file);
  }
}
