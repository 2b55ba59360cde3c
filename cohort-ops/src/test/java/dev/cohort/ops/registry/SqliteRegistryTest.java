package dev.cohort.ops.registry;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The registry contract on SQLite files. */
class SqliteRegistryTest
    implements RegistryVersionsContract,
        RegistryPromotionContract,
        RegistryAuditContract,
        RegistryConcurrencyContract {

  @TempDir Path dir;

  @Override
  public RegistryBackend backend() {
    return new SqliteBackend(dir.resolve("registries-" + System.nanoTime()));
  }
}
