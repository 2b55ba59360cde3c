package dev.cohort.cli;

import dev.cohort.checkpoint.PrivateFiles;
import dev.cohort.ops.dashboard.DashboardServer;
import dev.cohort.ops.watch.RunWatch;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Option;

/**
 * The options of the live dashboard that {@code cohort train}, {@code cohort run} and {@code cohort
 * dashboard} serve, and its start: the URL, with its access token, is printed and kept in the run
 * folder's {@value #URL_FILE} (readable by its owner only) while the dashboard is served.
 */
final class DashboardOptions {
  /** Where the dashboard's address is kept in a run folder. */
  static final String URL_FILE = "dashboard.url";

  @Option(
      names = "--dashboard-port",
      defaultValue = "0",
      description =
          "Port of the live dashboard and its Prometheus endpoint /metrics (default: any free"
              + " port; the URL is printed at start).")
  int port;

  @Option(
      names = "--dashboard-host",
      defaultValue = "127.0.0.1",
      description =
          "Address the dashboard listens on (default ${DEFAULT-VALUE}: this machine only; from"
              + " elsewhere, the URL's token is still needed).")
  String host;

  @Option(names = "--no-dashboard", description = "Serve no dashboard.")
  boolean off;

  /**
   * @throws IllegalArgumentException for a port outside 0 to 65535
   */
  void check() {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "--dashboard-port must be between 0 (any free port) and 65535, got " + port);
    }
  }

  /** A dashboard being served; closing it stops the server and removes its URL file. */
  record Served(DashboardServer server, Path urlFile) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      try {
        server.close();
      } finally {
        Files.deleteIfExists(urlFile);
      }
    }
  }

  /**
   * Serves {@code runDir}'s dashboard, creating the folder if need be; null with {@code
   * --no-dashboard}.
   *
   * @param live whether the run's workers are running
   * @throws IOException if the port cannot be bound or the URL file written
   */
  Served start(Path runDir, BooleanSupplier live, PrintStream out) throws IOException {
    check();
    if (off) {
      return null;
    }
    DashboardServer server =
        DashboardServer.start(
            new RunWatch(runDir), DashboardServer.Settings.here(host, port, live));
    try {
      PrivateFiles.createDirectories(runDir); // once serving: a failed start leaves no folder
    } catch (IOException e) {
      server.close();
      throw e;
    }
    Path file = runDir.resolve(URL_FILE);
    try {
      PrivateFiles.restrict(file);
      Files.writeString(file, server.url() + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      server.close();
      throw e;
    }
    out.println("dashboard: " + server.url() + " (Prometheus: /metrics with the same token)");
    out.flush();
    return new Served(server, file);
  }
}
