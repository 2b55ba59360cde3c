package dev.cohort.train;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Final parameters as raw float32, big-endian, for equivalence checks between runs. */
final class ParameterDump {
  private ParameterDump() {}

  static void write(float[] params, Path file) throws IOException {
    try (DataOutputStream o =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
      for (float f : params) {
        o.writeFloat(f);
      }
    }
  }
}
