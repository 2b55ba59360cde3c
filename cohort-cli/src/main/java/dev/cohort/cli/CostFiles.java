package dev.cohort.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The files of measured costs {@code cohort plan} reads: named by the user, or found in place. */
final class CostFiles {
  private CostFiles() {}

  /** Reads a file of measured costs. */
  interface Reader<T> {
    T read(Path file) throws IOException;
  }

  /** A file of costs that cannot be used, with the exit status to end with. */
  static final class Unreadable extends Exception {
    final int status;

    Unreadable(String message, int status) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /**
   * The costs in {@code named} if the user named a file, else in {@code fallback} when it is
   * present; null when neither (the caller's defaults apply).
   *
   * @throws Unreadable with the first line of the reader's message, and status 2 when the named
   *     file does not exist, else 1
   */
  static <T> T readOrNull(Path named, Path fallback, Reader<T> reader) throws Unreadable {
    Path file = named != null ? named : fallback;
    if (named == null && !Files.exists(file)) {
      return null;
    }
    try {
      return reader.read(file);
    } catch (IOException e) {
      // One line: a JSON parser's message goes on with the position on a second line.
      throw new Unreadable(
          e.getMessage().lines().findFirst().orElse(""),
          named != null && !Files.exists(file) ? 2 : 1);
    }
  }
}
