package dev.cohort.lab.net;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A user-space TCP relay that adds latency and jitter (this kernel has no netem) and, where the
 * kernel cannot shape traffic either, the link rate. Every worker's data port has a relay port that
 * peers dial instead; the relay holds each chunk of bytes for the one-way latency (plus jitter,
 * never reordering) before passing it on. It reads eagerly, so a sender's TCP window never waits on
 * the emulated delay: the emulated link behaves like a long fat pipe, not a small window.
 *
 * <p>With rate limiting on, every byte takes its turn on the sending worker's uplink and on the
 * receiving worker's downlink, like a NIC on each side of a switch; the sender is recognised by the
 * address its connection comes from.
 */
public final class DelayRelay implements AutoCloseable {
  private static final int CHUNK = 64 << 10;
  private static final int QUEUED_CHUNKS = 1024; // 64 MiB in flight per direction at most
  private static final int CONNECT_TIMEOUT_MS = 10_000;

  /**
   * Peers reach {@code rank}'s data port at {@code listen}; the relay passes on to {@code target}.
   */
  public record Route(int rank, InetSocketAddress listen, InetSocketAddress target) {}

  private final NetworkCondition net;
  private final Map<InetAddress, Integer> rankByAddress;
  private final TokenBucket[] up;
  private final TokenBucket[] down;
  private final List<Closeable> open = new CopyOnWriteArrayList<>();
  private final AtomicLong bytes = new AtomicLong();
  private final Random random;
  private volatile boolean closed;

  /**
   * @param routes one per worker
   * @param rankByAddress the rank whose connections come from an address (for the uplink)
   * @param limitRate whether the relay enforces the rate (else the kernel does, or there is none)
   * @param seed for the jitter
   */
  public DelayRelay(
      NetworkCondition net,
      List<Route> routes,
      Map<InetAddress, Integer> rankByAddress,
      boolean limitRate,
      long seed)
      throws IOException {
    this.net = net;
    this.rankByAddress = Map.copyOf(rankByAddress);
    this.random = new Random(seed);
    boolean shape = limitRate && net.rateMbit() > 0;
    up = new TokenBucket[routes.size()];
    down = new TokenBucket[routes.size()];
    for (int r = 0; r < routes.size() && shape; r++) {
      up[r] = new TokenBucket(net.bytesPerSecond(), CHUNK);
      down[r] = new TokenBucket(net.bytesPerSecond(), CHUNK);
    }
    try {
      for (Route route : routes) {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(route.listen(), 64);
        open.add(server);
        daemon("cohort-relay-accept-" + route.rank(), () -> accept(server, route));
      }
    } catch (IOException e) {
      close();
      throw new IOException("relay cannot listen: " + e.getMessage(), e);
    }
  }

  /**
   * A relay for {@code workers} workers: peers reach worker r at {@code listen(r)}, which passes on
   * to {@code target(r)}, the address worker r binds and so also sends from.
   */
  public static DelayRelay forWorkers(
      NetworkCondition net,
      int workers,
      IntFunction<InetSocketAddress> listen,
      IntFunction<InetSocketAddress> target,
      boolean limitRate,
      long seed)
      throws IOException {
    List<Route> routes = new ArrayList<>();
    Map<InetAddress, Integer> ranks = new HashMap<>();
    for (int r = 0; r < workers; r++) {
      routes.add(new Route(r, listen.apply(r), target.apply(r)));
      ranks.put(target.apply(r).getAddress(), r);
    }
    return new DelayRelay(net, routes, ranks, limitRate, seed);
  }

  /** Bytes relayed so far, both directions. */
  public long bytesRelayed() {
    return bytes.get();
  }

  private void accept(ServerSocket server, Route route) {
    while (!closed) {
      Socket from;
      try {
        from = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      open.add(from);
      Integer sender = rankByAddress.get(from.getInetAddress());
      try {
        Socket to = new Socket();
        open.add(to);
        to.setTcpNoDelay(true);
        to.connect(route.target(), CONNECT_TIMEOUT_MS);
        from.setTcpNoDelay(true);
        int s = sender == null ? -1 : sender;
        // Workers of one emulated host (one address) reach each other without crossing the link:
        // the relay passes their bytes on at once.
        boolean sameHost = from.getInetAddress().equals(route.target().getAddress());
        pipe(from, to, s, route.rank(), sameHost);
        pipe(to, from, route.rank(), s, sameHost);
      } catch (IOException e) {
        // The worker behind the route is gone or not up: the dialer sees its connection drop and
        // reports it with its own rank and peer, as it would for a real network fault.
        closeQuietly(from);
      }
    }
  }

  private record Chunk(byte[] data, int length, long releaseAt) {}

  /** One direction: a reader that stamps chunks and a writer that releases them when due. */
  private void pipe(Socket src, Socket dst, int fromRank, int toRank, boolean sameHost)
      throws IOException {
    BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
    InputStream in = src.getInputStream();
    OutputStream out = dst.getOutputStream();
    String name = "cohort-relay-" + fromRank + "-to-" + toRank;
    daemon(
        name + "-read",
        () -> {
          long last = 0;
          try {
            while (true) {
              byte[] buf = new byte[CHUNK];
              int n = in.read(buf);
              if (n < 0) {
                break;
              }
              last = sameHost ? 0 : Math.max(last, System.nanoTime() + delayNanos());
              queue.put(new Chunk(buf, n, last));
            }
            queue.put(new Chunk(null, -1, last));
          } catch (IOException | InterruptedException e) {
            closeQuietly(src);
            closeQuietly(dst);
            queue.offer(new Chunk(null, -1, 0));
          }
        });
    daemon(
        name + "-write",
        () -> {
          try {
            while (!closed) {
              Chunk c = queue.poll(1, TimeUnit.SECONDS);
              if (c == null) {
                continue;
              }
              TokenBucket.sleepUntil(c.releaseAt());
              if (c.length() < 0) {
                dst.shutdownOutput();
                return;
              }
              if (!sameHost && fromRank >= 0 && up[fromRank] != null) {
                up[fromRank].send(c.length());
              }
              if (!sameHost && toRank >= 0 && down[toRank] != null) {
                down[toRank].send(c.length());
              }
              out.write(c.data(), 0, c.length());
              out.flush();
              bytes.addAndGet(c.length());
            }
          } catch (IOException | InterruptedException e) {
            closeQuietly(src);
            closeQuietly(dst);
          }
        });
  }

  private long delayNanos() {
    double ms = net.latencyMs();
    if (net.jitterMs() > 0) {
      synchronized (random) {
        ms += random.nextDouble() * net.jitterMs();
      }
    }
    return (long) (ms * 1e6);
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // Tearing down a broken relay path: the error that matters is reported by the workers.
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Closeable c : open) {
      closeQuietly(c);
    }
  }
}
