package dev.cohort.comm.store;

import dev.cohort.comm.AuthenticationException;
import dev.cohort.comm.CommException;
import dev.cohort.comm.Encryption;
import dev.cohort.comm.PeerClosedException;
import dev.cohort.comm.ProtocolException;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.StoreException;
import dev.cohort.comm.auth.AcceptBackoff;
import dev.cohort.comm.auth.DeadlineInputStream;
import dev.cohort.comm.auth.Handshake;
import dev.cohort.comm.auth.HandshakeSlots;
import dev.cohort.comm.auth.RateLimitedLog;
import dev.cohort.comm.seal.Session;
import dev.cohort.comm.wire.FrameReader;
import dev.cohort.comm.wire.FrameWriter;
import dev.cohort.comm.wire.Frames;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The rendezvous store's server: hosted by rank 0 or run standalone ({@code cohort store}). It
 * serves an {@link InMemoryStore} over authenticated sockets: one thread per client connection;
 * clients are few (one per rank) and their requests tiny, so simplicity wins over an event loop.
 * Every client must pass the {@link Handshake} first.
 */
public final class StoreServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(StoreServer.class.getName());
  private static final int MAX_CONNECTIONS = 4096;

  private final ServerSocket server;
  private final byte[] secret;
  private final boolean encrypt;
  private final int maxFrameBytes;
  private final long instanceId = new SecureRandom().nextLong();
  private final InMemoryStore data = new InMemoryStore();
  private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
  private final AtomicLong connectionsAccepted = new AtomicLong();
  private final Thread acceptor;
  private final ThreadFactory handlerThreads;
  private final AcceptBackoff backoff;
  private final RateLimitedLog warnings = new RateLimitedLog(LOG);
  private final HandshakeSlots handshakes;
  private volatile boolean closed;

  private StoreServer(
      ServerSocket server,
      byte[] secret,
      boolean encrypt,
      int maxFrameBytes,
      ThreadFactory handlerThreads) {
    this.server = server;
    this.secret = secret.clone();
    this.encrypt = encrypt;
    this.maxFrameBytes = maxFrameBytes;
    this.handlerThreads = handlerThreads;
    this.backoff = new AcceptBackoff(LOG, "store on port " + server.getLocalPort());
    this.handshakes = new HandshakeSlots("store on port " + server.getLocalPort(), warnings);
    this.acceptor = new Thread(this::acceptLoop, "cohort-store-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
  }

  /**
   * Binds and starts serving.
   *
   * @param port 0 for an ephemeral port
   * @throws AuthenticationException if the secret is missing or shorter than {@link
   *     Secrets#MIN_BYTES}
   * @throws CommException if the port is in use, naming it
   */
  public static StoreServer start(String host, int port, byte[] secret, int maxFrameBytes) {
    return start(host, port, secret, maxFrameBytes, Encryption.AUTO);
  }

  /**
   * As {@link #start(String, int, byte[], int)}; {@code encryption} says when this server asks its
   * clients for encrypted traffic (AUTO: when {@code host} is not loopback). A client that asks
   * gets it either way.
   */
  public static StoreServer start(
      String host, int port, byte[] secret, int maxFrameBytes, Encryption encryption) {
    return start(host, port, secret, maxFrameBytes, encryption, Thread::new);
  }

  /** As {@link #start(String, int, byte[], int)}, starting client threads from {@code handlers}. */
  static StoreServer start(
      String host,
      int port,
      byte[] secret,
      int maxFrameBytes,
      Encryption encryption,
      ThreadFactory handlers) {
    if (secret == null || secret.length == 0) {
      throw new AuthenticationException(
          "the store needs a shared secret: set " + "COHORT_SECRET or COHORT_SECRET_FILE");
    }
    Secrets.requireStrong(secret);
    ServerSocket ss = null;
    try {
      ss = new ServerSocket();
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(host, port), 512);
    } catch (IOException e) {
      closeQuietly(ss);
      throw new CommException(
          "store cannot listen on "
              + host
              + ":"
              + port
              + ": "
              + e.getMessage()
              + (e instanceof BindException
                  ? " (is another store or job using that port? "
                      + "choose another with --port or MASTER_PORT)"
                  : ""),
          e);
    }
    StoreServer s =
        new StoreServer(ss, secret, encryption.wantedFor(host), maxFrameBytes, handlers);
    s.acceptor.start();
    return s;
  }

  public int port() {
    return server.getLocalPort();
  }

  public String host() {
    return server.getInetAddress().getHostAddress();
  }

  /** Whether this server asks its clients to encrypt (clients may ask for it themselves). */
  public boolean encrypts() {
    return encrypt;
  }

  /** A random id fixed for this server's life: clients use it to notice a restarted store. */
  public long instanceId() {
    return instanceId;
  }

  /**
   * Reads a key in the hosting process, without a connection: how a launcher that hosts the store
   * watches its workers' heartbeats.
   */
  public Optional<byte[]> peek(String key) {
    return data.tryGet(key);
  }

  /**
   * Accepts until closed. No failure ends it: when {@code accept()} or starting a client's thread
   * throws (too many open files, no more native threads), what was accepted is closed, one line is
   * logged (at most one a second) and the loop backs off, so the store serves again as soon as the
   * resource returns. Handshakes in progress are capped apart from authenticated clients ({@link
   * HandshakeSlots}); while they are full of recent ones, the loop waits and later connections wait
   * in the backlog.
   */
  private void acceptLoop() {
    while (!closed) {
      Socket s = null;
      HandshakeSlots.Slot slot = null;
      try {
        s = server.accept();
        slot = handshakes.admit(s);
        startClientThread(s, slot);
        backoff.succeeded();
      } catch (Throwable t) {
        if (closed) {
          return;
        }
        if (slot != null) {
          slot.close();
        }
        closeQuietly(s);
        if (!pause(t)) {
          return;
        }
      }
    }
  }

  private void startClientThread(Socket s, HandshakeSlots.Slot slot) {
    Thread t = handlerThreads.newThread(() -> serve(s, slot));
    t.setName("cohort-store-client-" + connectionsAccepted.incrementAndGet());
    t.setDaemon(true);
    t.start();
  }

  /** Waits out a failure of the accept loop; false if interrupted, which ends the loop. */
  private boolean pause(Throwable failure) {
    long delayMs = AcceptBackoff.MAX_DELAY_MS;
    try {
      delayMs = backoff.failed(failure);
    } catch (Throwable logFailed) {
      // Logging needs memory too; when even that fails, wait the longest delay and try again.
    }
    try {
      Thread.sleep(delayMs);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.log(
          System.Logger.Level.ERROR, this + ": accept loop interrupted; the store stops serving");
      return false;
    }
  }

  /**
   * One client: the handshake, bounded as a whole by {@link Handshake#DEADLINE}, then requests for
   * as long as the client stays.
   */
  private void serve(Socket s, HandshakeSlots.Slot slot) {
    String who = "store client " + s.getRemoteSocketAddress();
    boolean admitted = false;
    try (s) {
      s.setTcpNoDelay(true);
      DeadlineInputStream bounded = new DeadlineInputStream(s, who, Handshake.DEADLINE);
      DataInputStream raw = new DataInputStream(new BufferedInputStream(bounded));
      DataOutputStream rawOut = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
      Session session =
          Handshake.server(raw, rawOut, secret, Handshake.Purpose.STORE, encrypt, who);
      DataInputStream in = session.input(raw, who);
      DataOutputStream out = session.output(rawOut);
      slot.close();
      if (clients.size() >= MAX_CONNECTIONS) {
        warnings.warn(
            "store refuses " + who + ": already " + MAX_CONNECTIONS + " authenticated connections");
        return;
      }
      clients.add(s);
      admitted = true;
      if (closed) {
        return;
      }
      Frames.write(out, new FrameWriter().i64(instanceId).toByteArray());
      bounded.lift(); // clients hold their connection for the whole job
      while (!closed) {
        byte[] request = Frames.read(in, maxFrameBytes, who);
        Frames.write(out, handle(new FrameReader(request, who)));
      }
    } catch (PeerClosedException e) {
      // A client that leaves is normal: ranks close their store connection when done.
    } catch (CommException | IOException e) {
      if (!closed && !(e instanceof SocketException)) {
        // A flood of bad connections must not flood the log: one line a second, with a count.
        warnings.warn(who + " dropped: " + e.getMessage());
      }
    } finally {
      slot.close();
      if (admitted) {
        clients.remove(s);
      }
    }
  }

  private byte[] handle(FrameReader r) {
    StoreOp op = StoreOp.of(r.u8());
    if (op == null) {
      throw new ProtocolException("unknown store opcode");
    }
    FrameWriter w = new FrameWriter();
    switch (op) {
      case SET -> {
        String key = r.string();
        byte[] value = r.blob();
        r.end();
        data.set(key, value);
        w.u8(StoreOp.STATUS_OK);
      }
      case GET -> {
        String key = r.string();
        long waitMs = r.i64();
        r.end();
        byte[] v = data.awaitKeys(List.of(key), millisToNanos(waitMs)) ? data.read(key) : null;
        if (v == null) {
          w.u8(waitMs > 0 ? StoreOp.STATUS_TIMEOUT : StoreOp.STATUS_ABSENT);
        } else {
          w.u8(StoreOp.STATUS_OK).blob(v);
        }
      }
      case ADD -> {
        String key = r.string();
        long delta = r.i64();
        r.end();
        long sum;
        try {
          sum = data.add(key, delta);
        } catch (StoreException e) {
          w.u8(StoreOp.STATUS_ERROR).string(e.getMessage());
          break;
        }
        w.u8(StoreOp.STATUS_OK).i64(sum);
      }
      case CAS -> {
        String key = r.string();
        boolean expectAbsent = r.u8() == 1;
        byte[] expected = r.blob();
        byte[] desired = r.blob();
        r.end();
        byte[] now = data.compareAndSet(key, expectAbsent ? null : expected, desired);
        if (now == null) {
          w.u8(StoreOp.STATUS_ABSENT);
        } else {
          w.u8(StoreOp.STATUS_OK).blob(now);
        }
      }
      case DELETE -> {
        String key = r.string();
        r.end();
        w.u8(StoreOp.STATUS_OK).u8(data.delete(key) ? 1 : 0);
      }
      case WAIT, CHECK -> {
        int n = r.i32();
        if (n < 0 || n > 65536) {
          throw new ProtocolException("store WAIT/CHECK for " + n + " keys");
        }
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
          keys[i] = r.string();
        }
        long waitMs = op == StoreOp.WAIT ? r.i64() : 0;
        r.end();
        boolean all = data.awaitKeys(List.of(keys), millisToNanos(waitMs));
        w.u8(all ? StoreOp.STATUS_OK : StoreOp.STATUS_TIMEOUT);
      }
      default -> throw new IllegalStateException(op.name());
    }
    return w.toByteArray();
  }

  private static long millisToNanos(long waitMs) {
    return TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMs));
  }

  /** Stops accepting, drops every client connection and wakes every waiter. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    handshakes.close();
    for (Socket s : clients) {
      closeQuietly(s);
    }
    data.close();
    try {
      acceptor.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.log(System.Logger.Level.DEBUG, "close failed", e);
    }
  }

  @Override
  public String toString() {
    return "StoreServer[" + host() + ":" + port() + "]";
  }
}
