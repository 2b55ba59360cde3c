package dev.cohort.lab.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A benchmark's two outputs: {@code name.md} for people and {@code name.json} for tools. */
public final class ReportFiles {
  private ReportFiles() {}

  /**
   * Writes {@code dir/name.md} and {@code dir/name.json} (indented), creating {@code dir}.
   *
   * @return the markdown file
   */
  public static Path write(Path dir, String name, CharSequence markdown, Object json)
      throws IOException {
    Files.createDirectories(dir);
    Path md = dir.resolve(name + ".md");
    Files.writeString(md, markdown);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(dir.resolve(name + ".json").toFile(), json);
    return md;
  }
}
