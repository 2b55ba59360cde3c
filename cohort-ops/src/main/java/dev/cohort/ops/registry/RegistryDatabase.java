package dev.cohort.ops.registry;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The registry's one connection, its transactions and its error translation. Thread-safe: work is
 * serialized on the connection. Every failure leaves the database as it was and surfaces as a
 * {@link RegistryException}.
 */
final class RegistryDatabase implements AutoCloseable {

  private final Connection connection;
  private final Dialect dialect;
  private final SqlFailures failures;
  private final String label;
  private boolean closed;

  private RegistryDatabase(
      Connection connection, Dialect dialect, SqlFailures failures, String label) {
    this.connection = connection;
    this.dialect = dialect;
    this.failures = failures;
    this.label = label;
  }

  /** Connects and sets the session up; for SQLite, proves the file is a database. */
  static RegistryDatabase connect(RegistrySettings settings) {
    String url = settings.connectionUrl();
    Dialect dialect = Dialect.of(url);
    String label = JdbcUrls.label(url);
    SqlFailures failures = new SqlFailures(label, dialect, settings.lockTimeout());
    Connection connection;
    try {
      connection = DriverManager.getConnection(url);
    } catch (SQLException e) {
      throw failures.translate(e, "connect");
    }
    try {
      dialect.configure(connection, settings.lockTimeout());
    } catch (SQLException e) {
      RegistryException failure = failures.translate(e, "set up the connection");
      closeInto(connection, failure);
      throw failure;
    }
    return new RegistryDatabase(connection, dialect, failures, label);
  }

  /** The registry as named in messages: the SQLite file, or the URL without password. */
  String label() {
    return label;
  }

  /**
   * The failure translator, for callers that see SQL errors outside {@link #read}/{@link #write}.
   */
  SqlFailures failures() {
    return failures;
  }

  /** Runs read-only work; each statement sees committed data. */
  synchronized <T> T read(String operation, SqlWork<T> work) {
    requireOpen();
    try {
      return work.run(connection);
    } catch (SQLException e) {
      throw failures.translate(e, operation);
    }
  }

  /**
   * Runs work in one write transaction holding the registry's write lock: all of it is committed or
   * none of it. A {@link RegistryException} thrown by the work rolls back and passes through.
   */
  synchronized <T> T write(String operation, SqlWork<T> work) {
    requireOpen();
    try {
      dialect.begin(connection);
    } catch (SQLException e) {
      throw failures.translate(e, operation);
    }
    try {
      T result = work.run(connection);
      dialect.commit(connection);
      return result;
    } catch (SQLException e) {
      RegistryException failure = failures.translate(e, operation);
      rollbackInto(failure);
      throw failure;
    } catch (RuntimeException e) {
      rollbackInto(e);
      throw e;
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      connection.close();
    } catch (SQLException e) {
      throw failures.translate(e, "close the registry");
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("registry " + label + " is closed; open it again");
    }
  }

  /** Rolls back after {@code failure}; a failing rollback is attached to it, not lost. */
  private void rollbackInto(Throwable failure) {
    try {
      dialect.rollback(connection);
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  private static void closeInto(Connection connection, Throwable failure) {
    try {
      connection.close();
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }
}
