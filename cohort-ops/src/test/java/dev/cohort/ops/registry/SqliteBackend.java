package dev.cohort.ops.registry;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** SQLite registries as files in a temporary folder. */
public final class SqliteBackend implements RegistryBackend {

  private final Path dir;
  private final AtomicInteger files = new AtomicInteger();

  public SqliteBackend(Path dir) {
    this.dir = dir;
  }

  @Override
  public String newRegistryUrl() {
    return Registry.sqliteUrl(dir.resolve("registry-" + files.incrementAndGet() + ".db"));
  }

  @Override
  public Connection raw(String url) throws SQLException {
    return DriverManager.getConnection(url);
  }

  @Override
  public String[] failAuditInserts() {
    return new String[] {
      "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log"
          + " BEGIN SELECT RAISE(ABORT, 'audit disk full'); END"
    };
  }

  @Override
  public String[] allowAuditInserts() {
    return new String[] {"DROP TRIGGER fail_audit"};
  }

  @Override
  public AutoCloseable holdWriteLock(String url) throws SQLException {
    Connection c = raw(url);
    try (Statement s = c.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
    }
    return () -> {
      try (c;
          Statement s = c.createStatement()) {
        s.execute("ROLLBACK");
      }
    };
  }
}
