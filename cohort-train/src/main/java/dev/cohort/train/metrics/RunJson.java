package dev.cohort.train.metrics;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/** How the run folder's JSON files are written (indented) and read (unknown fields ignored). */
final class RunJson {
  private static final ObjectMapper WRITER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper READER =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private RunJson() {}

  static void write(Object value, Path file) throws IOException {
    WRITER.writeValue(file.toFile(), value);
  }

  static <T> T read(Path file, Class<T> type) throws IOException {
    try {
      return READER.readValue(file.toFile(), type);
    } catch (IOException e) {
      throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
