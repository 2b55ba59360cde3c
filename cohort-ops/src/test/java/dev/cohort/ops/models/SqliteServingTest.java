package dev.cohort.ops.models;

import dev.cohort.ops.registry.RegistryBackend;
import dev.cohort.ops.registry.SqliteBackend;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Serving, promotion and rollback on a SQLite registry file. */
class SqliteServingTest implements ServingContract {
  @TempDir static Path dir;
  private static SqliteBackend backend;

  @Override
  public synchronized RegistryBackend backend() {
    if (backend == null) {
      backend = new SqliteBackend(dir);
    }
    return backend;
  }
}
