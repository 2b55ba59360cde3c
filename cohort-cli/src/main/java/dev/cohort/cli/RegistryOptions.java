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
    if (!registry.startsWith("jdbc:")) {
      return Registry.open(Registry.sqliteUrl(Path.of(registry))); // created 0600
    }
    String sqlite = "jdbc:sqlite:";
    String path = registry.startsWith(sqlite) ? registry.substring(sqlite.length()) : null;
    boolean plainFile =
        path != null && !path.contains("?") && !path.startsWith("file:") && !path.startsWith(":");
    return Registry.open(plainFile ? Registry.sqliteUrl(Path.of(path)) : registry);
  }

  String actor() {
    return actor != null ? actor : System.getProperty("user.name", "unknown");
  }
}
