package dev.cohort.ops.registry;

import java.sql.SQLException;
import java.time.Duration;

/**
 * Turns a driver's {@link SQLException} into a one-line {@link RegistryException} that names the
 * registry and says what to do. Callers roll back first, so every message can say that nothing was
 * changed.
 */
final class SqlFailures {

  // SQLite primary result codes (the driver reports them as the vendor error code).
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;
  private static final int SQLITE_READONLY = 8;
  private static final int SQLITE_CORRUPT = 11;
  private static final int SQLITE_CANTOPEN = 14;
  private static final int SQLITE_NOTADB = 26;

  // PostgreSQL SQLSTATEs for a lock wait that ended.
  private static final String PG_LOCK_NOT_AVAILABLE = "55P03";
  private static final String PG_DEADLOCK = "40P01";

  private final String label;
  private final Dialect dialect;
  private final Duration lockTimeout;

  SqlFailures(String label, Dialect dialect, Duration lockTimeout) {
    this.label = label;
    this.dialect = dialect;
    this.lockTimeout = lockTimeout;
  }

  /** The translated failure of {@code operation}, e.g. "register a version of demo". */
  RegistryException translate(SQLException e, String operation) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String detail = JdbcUrls.redact(RegistryException.firstLine(e.getMessage()));
    int sqlite = dialect == Dialect.SQLITE ? e.getErrorCode() & 0xff : -1;
    if (sqlite == SQLITE_BUSY
        || sqlite == SQLITE_LOCKED
        || state.equals(PG_LOCK_NOT_AVAILABLE)
        || state.equals(PG_DEADLOCK)) {
      return fail(
          "is locked by another process for more than "
              + seconds(lockTimeout)
              + "; nothing was changed; retry when the other registry command has finished",
          e);
    }
    if (sqlite == SQLITE_NOTADB || sqlite == SQLITE_CORRUPT) {
      String what = sqlite == SQLITE_NOTADB ? "file is not a database" : "database is malformed";
      return fail(
          "is not a database (SQLite: "
              + what
              + "): nothing was changed; restore it from a backup or point --registry at another"
              + " file",
          e);
    }
    if (sqlite == SQLITE_CANTOPEN) {
      return fail(
          "cannot be opened (SQLite: unable to open database file): nothing was changed; check"
              + " that its folder exists and that you may write to it",
          e);
    }
    if (sqlite == SQLITE_READONLY) {
      return fail(
          "is read-only (" + detail + "): nothing was changed; check the file's permissions", e);
    }
    if (state.startsWith("08")) {
      return new RegistryException(
          "cannot connect to registry "
              + label
              + " ("
              + detail
              + "): nothing was changed; check that the database server is running and that the"
              + " host, port and database in the URL are right",
          e);
    }
    if (state.startsWith("28")) {
      return fail(
          "refused the login (" + detail + "): nothing was changed; check the user and password",
          e);
    }
    return new RegistryException(
        "registry " + label + ": could not " + operation + " (" + detail + "); nothing was changed",
        e);
  }

  private RegistryException fail(String what, SQLException cause) {
    return new RegistryException("registry " + label + " " + what, cause);
  }

  private static String seconds(Duration timeout) {
    long millis = timeout.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }
}
