package dev.cohort.ops.registry;

import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * Brings the registry schema up to date with Flyway, from the classpath location {@value
 * #LOCATION}. The history table has its own name, and a database that already holds other tables is
 * accepted, so the registry can share a PostgreSQL database with other applications.
 */
final class Migrations {

  static final String LOCATION = "classpath:db/registry";
  static final String HISTORY_TABLE = "registry_schema_history";

  private Migrations() {}

  /** Applies pending migrations; a failure names the registry and leaves applied ones in place. */
  static void migrate(String url, RegistryDatabase database) {
    try {
      Flyway.configure(Migrations.class.getClassLoader())
          .dataSource(url, null, null)
          .locations(LOCATION)
          .table(HISTORY_TABLE)
          // A team database may already hold other tables; start the registry's history at 0
          // there instead of refusing a non-empty schema.
          .baselineOnMigrate(true)
          .baselineVersion("0")
          .failOnMissingLocations(true)
          .load()
          .migrate();
    } catch (FlywayException e) {
      SQLException sql = sqlCause(e);
      if (sql != null) {
        throw database.failures().translate(sql, "migrate the registry schema");
      }
      throw new RegistryException(
          "registry "
              + database.label()
              + ": the schema could not be migrated ("
              + JdbcUrls.redact(RegistryException.firstLine(e.getMessage()))
              + "); if a newer Cohort wrote this registry, upgrade Cohort",
          e);
    }
  }

  private static SQLException sqlCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return sql;
      }
    }
    return null;
  }
}
