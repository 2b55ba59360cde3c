package dev.cohort.ops.registry;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * What differs between the two supported databases: session setup and how a write transaction
 * starts. Every write transaction takes the registry's single write lock first, so version numbers
 * ({@code max + 1}) and the audit chain ({@code last hash}) are computed with no other writer in
 * between, in this process or any other; readers are not blocked.
 */
enum Dialect {

  /**
   * Embedded SQLite. The file is switched to WAL so that readers ({@code list}, {@code serve})
   * never wait for a writer and a writer never waits for readers; WAL needs every process on the
   * same host, so a registry shared over a network filesystem should be PostgreSQL instead. {@code
   * BEGIN IMMEDIATE} takes the write lock at the start, waiting up to the busy timeout, so a
   * transaction never fails half-way for want of it.
   */
  SQLITE {
    @Override
    void configure(Connection c, Duration lockTimeout) throws SQLException {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = " + lockTimeout.toMillis());
        s.execute("PRAGMA foreign_keys = ON");
        // The first statement that reads the file: a file that is not a database fails here,
        // before anything could write to it.
        try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
          rs.next();
        }
      }
    }

    @Override
    void begin(Connection c) throws SQLException {
      execute(c, "BEGIN IMMEDIATE");
    }

    @Override
    void commit(Connection c) throws SQLException {
      execute(c, "COMMIT");
    }

    @Override
    void rollback(Connection c) throws SQLException {
      execute(c, "ROLLBACK");
    }
  },

  /**
   * PostgreSQL. The write lock is a table lock on {@code audit_log} in SHARE ROW EXCLUSIVE mode,
   * which conflicts with itself but not with readers; {@code lock_timeout} bounds the wait.
   */
  POSTGRESQL {
    @Override
    void configure(Connection c, Duration lockTimeout) throws SQLException {
      execute(c, "SET lock_timeout = '" + lockTimeout.toMillis() + "ms'");
    }

    @Override
    void begin(Connection c) throws SQLException {
      c.setAutoCommit(false);
      try {
        execute(c, "LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE");
      } catch (SQLException e) {
        try {
          rollback(c);
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        throw e;
      }
    }

    @Override
    void commit(Connection c) throws SQLException {
      c.commit();
      c.setAutoCommit(true);
    }

    @Override
    void rollback(Connection c) throws SQLException {
      c.rollback();
      c.setAutoCommit(true);
    }
  };

  /**
   * Sets up a new connection (timeouts, pragmas); for SQLite, also proves the file is a database.
   */
  abstract void configure(Connection c, Duration lockTimeout) throws SQLException;

  /**
   * Starts a write transaction holding the registry's write lock; when it fails, no transaction is
   * left open.
   */
  abstract void begin(Connection c) throws SQLException;

  /** Commits the write transaction. */
  abstract void commit(Connection c) throws SQLException;

  /** Rolls the write transaction back. */
  abstract void rollback(Connection c) throws SQLException;

  /** The dialect of a registry URL, or a clear error for anything else. */
  static Dialect of(String url) {
    if (url.startsWith(JdbcUrls.SQLITE)) {
      String path = JdbcUrls.label(url);
      if (path.isEmpty() || path.contains(":memory:") || path.contains("mode=memory")) {
        throw new RegistryException(
            "registry URL "
                + url
                + " is an in-memory SQLite database, which the schema migration"
                + " cannot share; point the registry at a file, e.g. jdbc:sqlite:/path/models.db");
      }
      return SQLITE;
    }
    if (url.startsWith(JdbcUrls.POSTGRESQL)) {
      return POSTGRESQL;
    }
    throw new RegistryException(
        "registry URL "
            + JdbcUrls.redact(url)
            + " is not supported; use jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DATABASE");
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
