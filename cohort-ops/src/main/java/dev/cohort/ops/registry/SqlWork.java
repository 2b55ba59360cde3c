package dev.cohort.ops.registry;

import java.sql.Connection;
import java.sql.SQLException;

/** Work against the registry's connection, inside a transaction or as a single read. */
@FunctionalInterface
interface SqlWork<T> {

  /** Does the work; SQL errors are translated by the caller. */
  T run(Connection connection) throws SQLException;
}
