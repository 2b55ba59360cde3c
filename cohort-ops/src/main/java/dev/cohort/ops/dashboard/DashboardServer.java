package dev.cohort.ops.dashboard;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.cohort.ops.prometheus.RunMetrics;
import dev.cohort.ops.watch.Alert;
import dev.cohort.ops.watch.Alerts;
import dev.cohort.ops.watch.RunWatch;
import dev.cohort.ops.web.AccessToken;
import dev.cohort.ops.web.Replies;
import dev.cohort.ops.web.WebServer;
import dev.cohort.train.ddp.PeakMemory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Serves one run folder's dashboard ({@code /}), the JSON it polls ({@code /api/run}) and the
 * Prometheus endpoint ({@code /metrics}) with Jetty, on loopback unless told otherwise. Every
 * request must carry the access token; the page has it in its URL and passes it on. Each request
 * refreshes the watch first (at most every {@value #REFRESH_MS} ms), so what is served is as fresh
 * as the files.
 */
public final class DashboardServer implements AutoCloseable {
  static final long REFRESH_MS = 250;

  /** Static files of the page: path, resource and content type. */
  private static final Map<String, String[]> ASSETS =
      Map.of(
          "/dashboard.js",
          new String[] {"/dev/cohort/ops/dashboard/dashboard.js", "text/javascript"},
          "/dashboard.css",
          new String[] {"/dev/cohort/ops/dashboard/dashboard.css", "text/css"},
          "/uPlot.iife.min.js",
          new String[] {
            "/META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js", "text/javascript"
          },
          "/uPlot.min.css",
          new String[] {"/META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.min.css", "text/css"});

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();

  /**
   * Where and how to serve.
   *
   * @param host the address to bind (127.0.0.1 unless the run should be watched from elsewhere)
   * @param port the port (0: any free one)
   * @param live whether the workers still run: a live run raises heartbeat alerts
   * @param hostBytes this machine's memory, for the memory alert (0: unknown)
   */
  public record Settings(String host, int port, BooleanSupplier live, long hostBytes) {
    /** Serving on {@code host:port} on this machine, whose memory is read from /proc. */
    public static Settings here(String host, int port, BooleanSupplier live) {
      return new Settings(host, port, live, Math.max(0, PeakMemory.machine()));
    }
  }

  private final RunWatch watch;
  private final Settings settings;
  private final AccessToken token = AccessToken.random();
  private final RunMetrics metrics = new RunMetrics();
  private final WebServer server;
  private long refreshedAt;
  private List<Alert> alerts = List.of();

  private DashboardServer(RunWatch watch, Settings settings) throws IOException {
    this.watch = watch;
    this.settings = settings;
    this.server =
        WebServer.start(
            "the dashboard",
            new WebServer.Address(
                settings.host(), settings.port(), "--dashboard-host", "--dashboard-port"),
            new Routes());
  }

  /**
   * Starts serving {@code watch}'s run.
   *
   * @throws IOException if the address cannot be bound, naming it
   */
  public static DashboardServer start(RunWatch watch, Settings settings) throws IOException {
    return new DashboardServer(watch, settings);
  }

  /** The page's address, with the token. */
  public URI url() {
    return URI.create(server.origin() + "/?token=" + token.value());
  }

  /** The port served on. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }

  /** Reads what the run added, feeds the metrics and works out the alerts; at most so often. */
  private void refresh() {
    long now = System.currentTimeMillis();
    if (now - refreshedAt < REFRESH_MS) {
      return;
    }
    refreshedAt = now;
    metrics.add(watch.refresh());
    alerts = Alerts.of(watch, now, settings.live().getAsBoolean(), settings.hostBytes());
    metrics.set(watch, RunViews.samplesPerSecond(watch.ranks(), watch.files().sharing()), alerts);
  }

  private byte[] runJson() throws IOException {
    synchronized (watch) {
      refresh();
      boolean live = settings.live().getAsBoolean();
      return JSON.writeValueAsBytes(
          RunViews.of(watch, alerts, live, settings.hostBytes(), System.currentTimeMillis()));
    }
  }

  private byte[] metricsText() throws IOException {
    synchronized (watch) {
      refresh();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      metrics.write(out);
      return out.toByteArray();
    }
  }

  private byte[] page() throws IOException {
    return new String(resource("/dev/cohort/ops/dashboard/index.html"), StandardCharsets.UTF_8)
        .replace("{{token}}", token.value())
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = DashboardServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("the dashboard's " + name + " is missing from the classpath");
      }
      return in.readAllBytes();
    }
  }

  /** The routes: each request is checked for the token, then served. */
  private final class Routes extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = Request.getPathInContext(request);
      if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD")) {
        return Replies.text(response, callback, 405, "only GET");
      }
      if (!Replies.admitted(
          token,
          request,
          response,
          callback,
          "open the URL cohort printed at start (or dashboard.url in the run folder)")) {
        return true;
      }
      try {
        return switch (path) {
          case "/" -> Replies.send(response, callback, 200, "text/html; charset=utf-8", page());
          case "/api/run" -> Replies.send(response, callback, 200, "application/json", runJson());
          case "/metrics" ->
              Replies.send(response, callback, 200, RunMetrics.contentType(), metricsText());
          default -> {
            String[] asset = ASSETS.get(path);
            yield asset == null
                ? Replies.text(response, callback, 404, "no " + path)
                : Replies.send(
                    response, callback, 200, asset[1] + "; charset=utf-8", resource(asset[0]));
          }
        };
      } catch (IOException | RuntimeException e) {
        return Replies.text(
            response, callback, 500, "cannot serve " + path + ": " + e.getMessage());
      }
    }
  }
}
