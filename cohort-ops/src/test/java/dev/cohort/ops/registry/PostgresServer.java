package dev.cohort.ops.registry;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real, throwaway PostgreSQL server for a test class: {@code initdb} and {@code pg_ctl} run as
 * the {@code postgres} OS user (initdb refuses root) in a temporary folder, listening on a free
 * loopback port with trust authentication; stopped ({@code -m immediate}) and deleted after the
 * class. Register it as a static {@code @RegisterExtension} field.
 *
 * <p>Skips the class (an assumption, with the reason) only when the PostgreSQL binaries are absent
 * or the tests do not run as root; anything else that goes wrong fails. The binaries are found in
 * {@code -Dcohort.test.postgres.bin}, else the newest {@code /usr/lib/postgresql/N/bin}.
 */
public final class PostgresServer implements BeforeAllCallback, AfterAllCallback, RegistryBackend {

  private static final long COMMAND_TIMEOUT_SECONDS = 120;
  private static final String USER = "cohort";

  private final AtomicInteger databases = new AtomicInteger();
  private Path bin;
  private Path dir;
  private int port;
  private Thread stopAtExit;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Optional<Path> found = binaries();
    assumeTrue(
        found.isPresent(),
        "PostgreSQL binaries (initdb, pg_ctl) not found in -Dcohort.test.postgres.bin or"
            + " /usr/lib/postgresql/*/bin; install postgresql to run the PostgreSQL registry tests");
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "the PostgreSQL registry tests start a server as the postgres OS user, which needs root;"
            + " running as "
            + System.getProperty("user.name"));
    bin = found.get();
    dir = Files.createTempDirectory("cohort-pg-");
    Files.setOwner(
        dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
    port = freePort();
    stopAtExit = new Thread(this::stopAndDelete, "stop-test-postgres");
    Runtime.getRuntime().addShutdownHook(stopAtExit);
    asPostgres(
        "initdb",
        bin.resolve("initdb").toString(),
        "-D",
        dir.resolve("data").toString(),
        "-U",
        USER,
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync");
    asPostgres(
        "pg_ctl start",
        bin.resolve("pg_ctl").toString(),
        "-D",
        dir.resolve("data").toString(),
        "-l",
        dir.resolve("log").toString(),
        "-w",
        "-t",
        "60",
        "-o",
        "-c listen_addresses=127.0.0.1 -p " + port + " -k " + dir + " -c fsync=off",
        "start");
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (stopAtExit != null) {
      Runtime.getRuntime().removeShutdownHook(stopAtExit);
      stopAndDelete();
    }
  }

  /** Creates a new database on the server and returns its URL. */
  @Override
  public String newRegistryUrl() throws SQLException {
    String name = "registry_" + databases.incrementAndGet();
    try (Connection admin = DriverManager.getConnection(url("postgres"));
        Statement s = admin.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return url(name);
  }

  @Override
  public Connection raw(String url) throws SQLException {
    return DriverManager.getConnection(url);
  }

  @Override
  public String[] failAuditInserts() {
    return new String[] {
      "CREATE FUNCTION fail_audit() RETURNS trigger LANGUAGE plpgsql"
          + " AS $$ BEGIN RAISE EXCEPTION 'audit disk full'; END $$",
      "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log"
          + " FOR EACH ROW EXECUTE FUNCTION fail_audit()"
    };
  }

  @Override
  public String[] allowAuditInserts() {
    return new String[] {"DROP TRIGGER fail_audit ON audit_log", "DROP FUNCTION fail_audit()"};
  }

  @Override
  public AutoCloseable holdWriteLock(String url) throws SQLException {
    Connection c = raw(url);
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("LOCK TABLE audit_log IN EXCLUSIVE MODE");
    }
    return () -> {
      try (c) {
        c.rollback();
      }
    };
  }

  private String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + USER;
  }

  private void stopAndDelete() {
    try {
      if (Files.exists(dir.resolve("data/postmaster.pid"))) {
        asPostgres(
            "pg_ctl stop",
            bin.resolve("pg_ctl").toString(),
            "-D",
            dir.resolve("data").toString(),
            "-m",
            "immediate",
            "-w",
            "stop");
      }
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stop or delete the test PostgreSQL in " + dir, e);
    }
  }

  /** Runs a command as the postgres user in the server folder; fails with its output. */
  private void asPostgres(String what, String... command) throws IOException {
    List<String> line = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    line.addAll(List.of(command));
    Path output = dir.resolve(what.replace(' ', '-') + ".out");
    Process process =
        new ProcessBuilder(line)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            what + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s: " + tail(output));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException(what + " was interrupted", e);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          what
              + " failed with exit code "
              + process.exitValue()
              + ": "
              + tail(output)
              + " | server log: "
              + tail(dir.resolve("log")));
    }
  }

  private static String tail(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "(no " + file.getFileName() + ")";
    }
    String text = Files.readString(file).strip();
    return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
  }

  private static Optional<Path> binaries() throws IOException {
    String configured = System.getProperty("cohort.test.postgres.bin");
    if (configured != null) {
      return Optional.of(Path.of(configured)).filter(PostgresServer::hasBinaries);
    }
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(PostgresServer::hasBinaries)
          .max(Comparator.comparingInt(PostgresServer::majorVersion));
    }
  }

  private static boolean hasBinaries(Path dir) {
    return Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl"));
  }

  private static int majorVersion(Path bin) {
    String name = bin.getParent().getFileName().toString();
    return name.matches("\\d+") ? Integer.parseInt(name) : 0;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
