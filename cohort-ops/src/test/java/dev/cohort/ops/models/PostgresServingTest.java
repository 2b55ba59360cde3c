package dev.cohort.ops.models;

import dev.cohort.ops.registry.PostgresServer;
import dev.cohort.ops.registry.RegistryBackend;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Serving, promotion and rollback on a real PostgreSQL server started for this class. */
class PostgresServingTest implements ServingContract {
  @RegisterExtension static final PostgresServer POSTGRES = new PostgresServer();

  @Override
  public RegistryBackend backend() {
    return POSTGRES;
  }
}
