package dev.cohort.ops.models;

import dev.cohort.ops.registry.ModelVersion;
import dev.cohort.ops.registry.Registry;
import dev.cohort.ops.web.AccessToken;
import dev.cohort.ops.web.WebServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * Serves a model's champion over HTTP ({@link PredictionRoutes}): {@code POST /predict} with {@code
 * {"pixels": [784 values in 0..1]}} answers the class, its name, the probabilities and which
 * version answered; {@code GET /version} says which version serves. Every request needs the access
 * token. A watcher asks the registry for the champion every poll: when a promotion or a rollback
 * moves it, the new version is loaded (its file checked against the registered digest) and takes
 * over between two requests, with no restart; each version served is audited (SERVE). A version
 * that cannot be loaded is reported once and the current one goes on serving.
 */
public final class ModelServer implements AutoCloseable {
  /**
   * Where and how to serve.
   *
   * @param poll how often the registry is asked for the champion
   * @param actor who serves, for the audit log
   */
  public record Settings(String host, int port, Duration poll, String actor) {}

  private final Registry registry;
  private final String model;
  private final Settings settings;
  private final PrintStream log;
  private final AccessToken token = AccessToken.random();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private ServedModel current; // guarded by lock
  private final WebServer server;
  private final Thread watcher;
  private volatile boolean closed;
  private String lastProblem;

  private ModelServer(
      Registry registry, String model, Settings settings, PrintStream log, ServedModel first)
      throws IOException {
    this.registry = registry;
    this.model = model;
    this.settings = settings;
    this.log = log;
    this.current = first;
    this.server =
        WebServer.start(
            "the model " + model,
            new WebServer.Address(settings.host(), settings.port(), "--host", "--port"),
            new PredictionRoutes(this, token));
    this.watcher = new Thread(this::watch, "cohort-champion-watch");
    watcher.setDaemon(true);
  }

  /**
   * Loads {@code model}'s champion and serves it.
   *
   * @throws IllegalArgumentException when the model has no champion
   * @throws IOException when its file cannot be loaded, or the address bound
   */
  public static ModelServer start(
      Registry registry, String model, Settings settings, PrintStream log) throws IOException {
    ModelVersion champion =
        registry
            .champion(model)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "model "
                            + model
                            + " has no champion to serve: promote a version first (cohort models"
                            + " promote "
                            + model
                            + " VERSION)"));
    ServedModel first = ServedModel.load(champion);
    ModelServer s;
    try {
      s = new ModelServer(registry, model, settings, log, first); // binds: no one has the token yet
    } catch (IOException | RuntimeException e) {
      first.close();
      throw e;
    }
    try {
      registry.recordServe(model, champion.version(), settings.actor()); // audited before the URL
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    log.println("serving " + champion.label() + " at " + s.url());
    log.flush();
    s.watcher.start();
    return s;
  }

  /** The server's address, with the token. */
  public URI url() {
    return URI.create(server.origin() + "/?token=" + token.value());
  }

  /** The version serving now. */
  public ModelVersion serving() {
    lock.readLock().lock();
    try {
      return current.version();
    } finally {
      lock.readLock().unlock();
    }
  }

  private void watch() {
    while (!closed) {
      try {
        Thread.sleep(settings.poll().toMillis());
        follow();
        lastProblem = null;
      } catch (InterruptedException e) {
        return;
      } catch (Exception | LinkageError e) {
        // Whatever failed (the registry, the file, libtorch), the current version goes on; the
        // next poll tries again. Said once per problem, not once per poll.
        String problem = e.getMessage() == null ? e.toString() : e.getMessage();
        if (!problem.equals(lastProblem)) {
          log.println("warning: still serving " + serving().label() + ": " + problem);
          log.flush();
          lastProblem = problem;
        }
      }
    }
  }

  /**
   * Switches to the champion if it moved: loads it, audits the switch (SERVE), then swaps it in
   * between two requests. A failure anywhere leaves the current version serving.
   */
  void follow() throws IOException {
    Optional<ModelVersion> champion = registry.champion(model);
    ModelVersion now = serving();
    if (champion.isEmpty() || champion.get().version() == now.version()) {
      return;
    }
    ServedModel next = ServedModel.load(champion.get());
    ServedModel old;
    try {
      if (closed) {
        throw new IllegalStateException(
            "the server closed while " + next.version().label() + " loaded");
      }
      registry.recordServe(model, next.version().version(), settings.actor());
      lock.writeLock().lock();
      try {
        if (closed) {
          throw new IllegalStateException(
              "the server closed while " + next.version().label() + " loaded");
        }
        old = current;
        current = next;
      } finally {
        lock.writeLock().unlock();
      }
    } catch (RuntimeException e) {
      next.close();
      throw e;
    }
    old.close();
    log.println(
        "serving " + next.version().label() + " (the champion moved from v" + now.version() + ")");
    log.flush();
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return; // closed already (a shutdown hook and the caller may both close it)
      }
      closed = true; // under the lock: a switch in progress sees it before it swaps
    } finally {
      lock.writeLock().unlock();
    }
    watcher.interrupt();
    try {
      watcher.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    lock.writeLock().lock();
    try {
      current.close();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Runs {@code use} on the version serving now, which no switch can close meanwhile.
   *
   * @param <T> what {@code use} gives
   */
  <T> T withServing(Function<ServedModel, T> use) {
    lock.readLock().lock();
    try {
      return use.apply(current);
    } finally {
      lock.readLock().unlock();
    }
  }
}
