package dev.cohort.cli;

import dev.cohort.ops.registry.Registry;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the model registry is, and who acts on it: the options every {@code cohort models} takes.
 */
final class RegistryOptions {
  @Option(
      names = "--registry",
      defaultValue = "registry/models.db",
      description =
          "The registry: a SQLite file (default ${DEFAULT-VALUE}, created 0600) or a JDBC URL"
              + " (jdbc:postgresql://host/db?user=...) for a team.")
  String registry;

  @Option(
      names = "--actor",
      description = "Who acts, for the audit log (default: the user name, ${sys:user.name}).")
  String actor;

  /** Opens the registry, migrating its schema first. */
  Registry open() {
    String sqlite = "jdbc:sqlite:";
    return Registry.open(
        registry.startsWith(sqlite)
            ? Registry.sqliteUrl(Path.of(registry.substring(sqlite.length()))) // created 0600
            : registry.startsWith("jdbc:") ? registry : Registry.sqliteUrl(Path.of(registry)));
  }

  String actor() {
    return actor != null ? actor : System.getProperty("user.name", "unknown");
  }
}
