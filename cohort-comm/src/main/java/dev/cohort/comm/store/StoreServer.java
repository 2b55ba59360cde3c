package dev.cohort.comm.store;

import dev.cohort.comm.AuthenticationException;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommException;
import dev.cohort.comm.Encryption;
import dev.cohort.comm.PeerClosedException;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The rendezvous store's server: hosted by rank 0 or run standalone ({@code cohort store}). It
 * serves {@link InMemoryStore}s over authenticated sockets, one per job: a client names its job
 * right after the handshake, sees only that job's keys, and the job's keys are deleted when its
 * last client leaves, so unrelated jobs can share one standalone store without meeting. What each
 * job may hold, and how long a request may wait, is bounded ({@link StoreLimits}). One thread per
 * client connection; clients are few (one per rank) and their requests tiny, so simplicity wins
 * over an event loop. Every client must pass the {@link Handshake} first.
 */
public final class StoreServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(StoreServer.class.getName());
  private static final int MAX_CONNECTIONS = 4096;
  private static final int JOB_FRAME_BYTES = 256;

  private final ServerSocket server;
  private final byte[] secret;
  private final boolean encrypt;
  private final int maxFrameBytes;
  private final long instanceId = new SecureRandom().nextLong();
  private final StoreLimits limits;
  private final JobSpaces jobs;
  private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
  private final AtomicLong connectionsAccepted = new AtomicLong();
  private final Thread acceptor;
  private final ThreadFactory handlerThreads;
  private final AcceptBackoff backoff;
  private final RateLimitedLog warnings = new RateLimitedLog(LOG);
  private final HandshakeSlots handshakes;
  private volatile boolean closed;

  private StoreServer(ServerSocket server, Builder b) {
    this.server = server;
    this.secret = b.secret.clone();
    this.encrypt = b.encryption.wantedFor(b.host);
    this.maxFrameBytes = b.maxFrameBytes;
    this.limits = b.limits;
    this.jobs = new JobSpaces(b.limits);
    this.handlerThreads = b.handlers;
    this.backoff = new AcceptBackoff(LOG, "store on port " + server.getLocalPort());
    this.handshakes = new HandshakeSlots("store on port " + server.getLocalPort(), warnings);
    this.acceptor = new Thread(this::acceptLoop, "cohort-store-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
  }

  /** The job of clients that name none: every client of a launcher's or rank 0's own store. */
  public static final String DEFAULT_JOB = "default";

  /**
   * Binds and starts serving with default limits and encryption when {@code host} is not loopback.
   *
   * @param port 0 for an ephemeral port
   * @throws AuthenticationException if the secret is missing or shorter than {@link
   *     Secrets#MIN_BYTES}
   * @throws CommException if the port is in use, naming it
   */
  public static StoreServer start(String host, int port, byte[] secret, int maxFrameBytes) {
    return on(host, port).secret(secret).maxFrameBytes(maxFrameBytes).start();
  }

  /** A server to bind on {@code host}:{@code port} (0: an ephemeral port), once configured. */
  public static Builder on(String host, int port) {
    return new Builder(host, port);
  }

  /** The settings of a server; {@link #start()} binds it. */
  public static final class Builder {
    private final String host;
    private final int port;
    private byte[] secret;
    private int maxFrameBytes = CommConfig.DEFAULT_MAX_FRAME_BYTES;
    private Encryption encryption = Encryption.AUTO;
    private StoreLimits limits = StoreLimits.DEFAULTS;
    private ThreadFactory handlers = Thread::new;

    private Builder(String host, int port) {
      this.host = host;
      this.port = port;
    }

    /** The shared secret every client must prove; required. */
    public Builder secret(byte[] v) {
      secret = v;
      return this;
    }

    /** Bound on any request frame (default {@link CommConfig#DEFAULT_MAX_FRAME_BYTES}). */
    public Builder maxFrameBytes(int v) {
      maxFrameBytes = v;
      return this;
    }

    /** When this server asks its clients to encrypt (AUTO: when the host is not loopback). */
    public Builder encryption(Encryption v) {
      encryption = v;
      return this;
    }

    /** What jobs may hold ({@link StoreLimits#DEFAULTS} unless told). */
    public Builder limits(StoreLimits v) {
      limits = v;
      return this;
    }

    /** Where client threads come from (tests make it fail). */
    Builder handlers(ThreadFactory v) {
      handlers = v;
      return this;
    }

    /**
     * Binds and starts serving.
     *
     * @throws AuthenticationException if the secret is missing or shorter than {@link
     *     Secrets#MIN_BYTES}
     * @throws CommException if the port is in use, naming it
     */
    public StoreServer start() {
      if (secret == null || secret.length == 0) {
        throw new AuthenticationException(
            "the store needs a shared secret: set COHORT_SECRET or COHORT_SECRET_FILE");
      }
      Secrets.requireStrong(secret);
      StoreServer s = new StoreServer(bind(host, port), this);
      s.acceptor.start();
      return s;
    }
  }

  private static ServerSocket bind(String host, int port) {
    ServerSocket ss = null;
    try {
      ss = new ServerSocket();
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(host, port), 512);
      return ss;
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

  /** Jobs with at least one client now. */
  int jobsServed() {
    return jobs.size();
  }

  /** A random id fixed for this server's life: clients use it to notice a restarted store. */
  public long instanceId() {
    return instanceId;
  }

  /**
   * Reads a key of the {@link #DEFAULT_JOB} in the hosting process, without a connection: how a
   * launcher that hosts the store watches its workers' heartbeats.
   */
  public Optional<byte[]> peek(String key) {
    return jobs.peek(DEFAULT_JOB, key);
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
      FrameReader hello = new FrameReader(Frames.read(in, JOB_FRAME_BYTES, who), who);
      String job = hello.string();
      hello.end();
      JobSpaces.Space space;
      try {
        space = jobs.enter(job);
      } catch (StoreException e) {
        Frames.write(
            out, new FrameWriter().u8(StoreOp.STATUS_ERROR).string(e.getMessage()).toByteArray());
        warnings.warn("store refuses " + who + ": " + e.getMessage());
        return;
      }
      try {
        Frames.write(out, new FrameWriter().u8(StoreOp.STATUS_OK).i64(instanceId).toByteArray());
        bounded.lift(); // clients hold their connection for the whole job
        StoreRequests requests = new StoreRequests(space.data, limits);
        while (!closed) {
          byte[] request = Frames.read(in, maxFrameBytes, who);
          Frames.write(out, requests.handle(new FrameReader(request, who)));
        }
      } finally {
        jobs.leave(space);
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

  /** Stops accepting, drops every client connection and wakes every waiter. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    handshakes.close();
    for (Socket s : clients) {
      closeQuietly(s);
    }
    jobs.close();
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
