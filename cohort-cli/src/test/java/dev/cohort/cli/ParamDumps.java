package dev.cohort.cli;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the parameter dumps that {@code cohort worker --dump-params} writes (big-endian floats).
 */
final class ParamDumps {
  private ParamDumps() {}

  static float[] read(Path p) throws IOException {
    int n = (int) (Files.size(p) / 4);
    float[] f = new float[n];
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(p)))) {
      for (int i = 0; i < n; i++) {
        f[i] = in.readFloat();
      }
    }
    return f;
  }
}
