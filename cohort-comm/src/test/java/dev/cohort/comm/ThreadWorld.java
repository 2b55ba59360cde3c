package dev.cohort.comm;

import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Test harness: N ranks as threads of this JVM, over a real store on an ephemeral loopback port and
 * real transports. Every wait is bounded, so a hanging collective fails the test instead of hanging
 * the build.
 */
public final class ThreadWorld implements AutoCloseable {
  /** A fresh random secret per test JVM, as launchers make one per world. */
  public static final byte[] SECRET = Secrets.generate().getBytes(StandardCharsets.UTF_8);

  /** What each rank runs; returns a value collected per rank. */
  public interface RankBody<T> {
    T run(ProcessGroup pg) throws Exception;
  }

  private final StoreServer server;
  private final CommConfig config;
  private final ExecutorService pool;

  public ThreadWorld(CommConfig config) {
    this.config = config;
    this.server = StoreServer.start("127.0.0.1", 0, SECRET, config.maxFrameBytes());
    this.pool = Executors.newCachedThreadPool();
  }

  public static CommConfig config(CommConfig.TransportKind transport) {
    return CommConfig.defaults(SECRET).toBuilder()
        .transport(transport)
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  public StoreServer server() {
    return server;
  }

  /** Forms a world of {@code size} ranks, runs {@code body} on each, returns results by rank. */
  public <T> List<T> run(int size, RankBody<T> body) throws Exception {
    return run(size, 0, config, body);
  }

  public <T> List<T> run(int size, long generation, CommConfig cfg, RankBody<T> body)
      throws Exception {
    List<Future<T>> futures = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      int rank = r;
      futures.add(
          pool.submit(
              () -> {
                try (TcpStore store =
                        TcpStore.connect(
                            "127.0.0.1",
                            server.port(),
                            SECRET,
                            Duration.ofSeconds(10),
                            cfg.maxFrameBytes());
                    ProcessGroup pg = ProcessGroups.join(cfg, store, rank, size, generation)) {
                  return body.run(pg);
                }
              }));
    }
    List<T> results = new ArrayList<>();
    for (Future<T> f : futures) {
      results.add(f.get(120, TimeUnit.SECONDS));
    }
    return results;
  }

  @Override
  public void close() {
    pool.shutdownNow();
    server.close();
  }
}
