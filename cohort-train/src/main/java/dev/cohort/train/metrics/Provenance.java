package dev.cohort.train.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.cohort.checkpoint.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Where and by whom a run was started, as rank 0 writes it to {@value #FILE} when training starts
 * (again at each resume or restart): the code it ran (the git commit of the folder it was started
 * from, {@code +dirty} with changes; null outside git), the user, the host and the Java version.
 * The model registry takes a version's code lineage from here.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Provenance(
    String codeVersion, String user, String host, String javaVersion, String startedAt) {
  /** The file in a run folder. */
  public static final String FILE = "provenance.json";

  /** This process's, now. */
  public static Provenance here() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = null; // no name for this host: left out
    }
    return new Provenance(
        CodeVersion.here().orElse(null),
        System.getProperty("user.name"),
        host,
        Runtime.version().toString(),
        Instant.now().toString());
  }

  /** Writes it to {@code dir}'s {@value #FILE}, private. */
  public void write(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    PrivateFiles.restrict(file);
    RunJson.write(this, file);
  }

  /** What {@code dir}'s {@value #FILE} holds. */
  public static Provenance read(Path dir) throws IOException {
    return RunJson.read(dir.resolve(FILE), Provenance.class);
  }
}
