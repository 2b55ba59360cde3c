package dev.cohort.ops.registry;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The registry contract on a real PostgreSQL server started for this class. */
class PostgresRegistryTest
    implements RegistryVersionsContract,
        RegistryPromotionContract,
        RegistryAuditContract,
        RegistryConcurrencyContract {

  @RegisterExtension static final PostgresServer POSTGRES = new PostgresServer();

  @Override
  public RegistryBackend backend() {
    return POSTGRES;
  }
}
