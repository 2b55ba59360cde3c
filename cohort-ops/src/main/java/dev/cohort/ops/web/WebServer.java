package dev.cohort.ops.web;

import java.io.IOException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A small Jetty server: one acceptor, one selector, at most 8 daemon threads (a dashboard or a
 * model server has a handful of clients), no version in its headers.
 */
public final class WebServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private final String host;

  private WebServer(String name, String host, int port, Handler handler) {
    this.host = host;
    QueuedThreadPool pool = new QueuedThreadPool(8, 1);
    pool.setName(name);
    pool.setDaemon(true);
    server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(handler);
  }

  /**
   * Where to listen, and the options that set it (named in the error when it cannot be bound).
   *
   * @param port the port, 0 for any free one
   */
  public record Address(String host, int port, String hostOption, String portOption) {}

  /**
   * Starts serving {@code handler} at {@code at}.
   *
   * @param what what is served, for the error, e.g. "the dashboard"
   * @throws IOException if the address cannot be bound, naming it and the way out
   */
  public static WebServer start(String what, Address at, Handler handler) throws IOException {
    WebServer s =
        new WebServer("cohort-" + what.replaceAll("\\W+", "-"), at.host(), at.port(), handler);
    try {
      s.server.start();
    } catch (Exception e) {
      s.close();
      throw new IOException(
          "cannot serve "
              + what
              + " on "
              + at.host()
              + ":"
              + at.port()
              + " ("
              + e.getMessage()
              + "): pick another "
              + at.portOption()
              + " (0: any free port), or check "
              + at.hostOption(),
          e);
    }
    return s;
  }

  /** The port served on. */
  public int port() {
    return connector.getLocalPort();
  }

  /** {@code http://host:port}, the host in brackets when it is an IPv6 address. */
  public String origin() {
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot stop the server on " + host + ": " + e.getMessage(), e);
    }
  }
}
