package dev.cohort.ops.registry;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** A database the registry contract tests run against. */
public interface RegistryBackend {

  /** A JDBC URL of a fresh, empty database. */
  String newRegistryUrl() throws Exception;

  /** A plain connection to the database, bypassing the registry (to tamper, or to lock). */
  Connection raw(String url) throws SQLException;

  /** Takes the registry's write lock from another connection until the handle is closed. */
  AutoCloseable holdWriteLock(String url) throws SQLException;

  /** Statements that make every insert into audit_log fail with "audit disk full". */
  String[] failAuditInserts();

  /** Statements that undo {@link #failAuditInserts}. */
  String[] allowAuditInserts();

  /** Runs statements on a raw connection. */
  default void execute(String url, String... sql) throws SQLException {
    try (Connection c = raw(url);
        Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    }
  }
}
