package dev.cohort.comm.store;

import dev.cohort.comm.AuthenticationException;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommException;
import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.Encryption;
import dev.cohort.comm.Store;
import dev.cohort.comm.StoreException;
import dev.cohort.comm.auth.Handshake;
import dev.cohort.comm.seal.Session;
import dev.cohort.comm.wire.FrameReader;
import dev.cohort.comm.wire.FrameWriter;
import dev.cohort.comm.wire.Frames;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Client of a {@link StoreServer}. One connection, one request in flight at a time (calls are
 * serialized); the socket read timeout is always the request's own wait plus a margin, so no call
 * can block forever even if the server hangs.
 */
public final class TcpStore implements Store {
  private static final Duration MARGIN = Duration.ofSeconds(10);

  private final String host;
  private final int port;
  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private final int maxFrameBytes;
  private final long serverInstanceId;
  private boolean broken;

  /** Authenticates over a connected socket, names its job and learns which server answered. */
  private TcpStore(Builder b, Socket socket) throws IOException {
    this.host = b.host;
    this.port = b.port;
    this.socket = socket;
    this.maxFrameBytes = b.maxFrameBytes;
    DataInputStream raw = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    DataOutputStream rawOut =
        new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    Session session =
        Handshake.client(
            raw,
            rawOut,
            b.secret,
            Handshake.Purpose.STORE,
            b.encryption.wantedFor(b.host),
            describe());
    this.in = session.input(raw, describe());
    this.out = session.output(rawOut);
    Frames.write(out, new FrameWriter().string(b.job).toByteArray());
    FrameReader welcome = new FrameReader(Frames.read(in, 4096, describe()), describe());
    if (welcome.u8() != StoreOp.STATUS_OK) {
      throw new StoreException(describe() + " refused this client: " + welcome.string());
    }
    this.serverInstanceId = welcome.i64();
  }

  /**
   * Connects to the {@link StoreServer#DEFAULT_JOB}, asking for encryption when {@code host} is not
   * loopback: see {@link Builder#connect()}.
   */
  public static TcpStore connect(
      String host, int port, byte[] secret, Duration timeout, int maxFrameBytes) {
    return to(host, port).secret(secret).timeout(timeout).maxFrameBytes(maxFrameBytes).connect();
  }

  /** A client of the store at {@code host}:{@code port}, once configured. */
  public static Builder to(String host, int port) {
    return new Builder(host, port);
  }

  /** The settings of a client; {@link #connect()} connects it. */
  public static final class Builder {
    private final String host;
    private final int port;
    private byte[] secret;
    private Duration timeout = Duration.ofMillis(CommConfig.DEFAULT_TIMEOUT_MS);
    private int maxFrameBytes = CommConfig.DEFAULT_MAX_FRAME_BYTES;
    private Encryption encryption = Encryption.AUTO;
    private String job = StoreServer.DEFAULT_JOB;

    private Builder(String host, int port) {
      this.host = host;
      this.port = port;
    }

    /** The shared secret to prove; required. */
    public Builder secret(byte[] v) {
      secret = v;
      return this;
    }

    /** How long to keep trying to reach the server, and the base of every request's bound. */
    public Builder timeout(Duration v) {
      timeout = v;
      return this;
    }

    /** Bound on any answer frame. */
    public Builder maxFrameBytes(int v) {
      maxFrameBytes = v;
      return this;
    }

    /** Whether to ask for encryption (AUTO: when the host is not loopback). */
    public Builder encryption(Encryption v) {
      encryption = v;
      return this;
    }

    /** The job whose keys this client sees ({@link StoreServer#DEFAULT_JOB} unless told). */
    public Builder job(String v) {
      job = v;
      return this;
    }

    /**
     * Connects, retrying until the timeout while the server is not up yet (ranks may start before
     * the rank that hosts the store), then authenticates and joins the job.
     *
     * @throws CommTimeoutException if no server answered in time
     * @throws AuthenticationException if the secrets differ
     * @throws StoreException if the server refuses the job (a malformed id, or its limits)
     */
    public TcpStore connect() {
      return TcpStore.connect(this);
    }
  }

  private static TcpStore connect(Builder b) {
    if (b.secret == null) {
      throw new AuthenticationException(
          "no shared secret configured: set COHORT_SECRET or COHORT_SECRET_FILE");
    }
    String host = b.host;
    int port = b.port;
    Duration timeout = b.timeout;
    long deadline = System.nanoTime() + timeout.toNanos();
    IOException last = null;
    long backoffMs = 10;
    while (System.nanoTime() < deadline) {
      Socket s = new Socket();
      try {
        s.setTcpNoDelay(true);
        int left = (int) Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis());
        s.connect(new InetSocketAddress(host, port), left);
        s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.plus(MARGIN).toMillis()));
        return new TcpStore(b, s);
      } catch (IOException e) {
        last = e;
        closeQuietly(s);
        sleep(backoffMs);
        backoffMs = Math.min(500, backoffMs * 2);
      } catch (RuntimeException e) {
        closeQuietly(s);
        throw e;
      }
    }
    throw new CommTimeoutException(
        "could not reach the store at "
            + host
            + ":"
            + port
            + " within "
            + timeout.toMillis()
            + " ms"
            + (last == null ? "" : " (last error: " + last.getMessage() + ")")
            + "; is the rank-0 process or `cohort store` running there?",
        last);
  }

  /** The id of the server process this client is talking to; changes when the store restarts. */
  public long serverInstanceId() {
    return serverInstanceId;
  }

  @Override
  public void set(String key, byte[] value) {
    call(
        new FrameWriter().u8(StoreOp.SET.ordinal()).string(key).blob(value),
        Duration.ZERO,
        "set " + key);
  }

  @Override
  public byte[] get(String key, Duration timeout) {
    FrameReader r =
        call(
            new FrameWriter()
                .u8(StoreOp.GET.ordinal())
                .string(key)
                .i64(Math.max(1, timeout.toMillis())),
            timeout,
            "get " + key);
    int status = r.u8();
    if (status == StoreOp.STATUS_OK) {
      return r.blob();
    }
    throw new CommTimeoutException(
        "store key '"
            + key
            + "' was not set within "
            + timeout.toMillis()
            + " ms (store "
            + host
            + ":"
            + port
            + ")");
  }

  @Override
  public Optional<byte[]> tryGet(String key) {
    FrameReader r =
        call(
            new FrameWriter().u8(StoreOp.GET.ordinal()).string(key).i64(0),
            Duration.ZERO,
            "get " + key);
    return r.u8() == StoreOp.STATUS_OK ? Optional.of(r.blob()) : Optional.empty();
  }

  @Override
  public long add(String key, long delta) {
    FrameReader r =
        call(
            new FrameWriter().u8(StoreOp.ADD.ordinal()).string(key).i64(delta),
            Duration.ZERO,
            "add " + key);
    r.u8(); // refusals were thrown by call
    return r.i64();
  }

  @Override
  public byte[] compareAndSet(String key, byte[] expected, byte[] desired) {
    FrameReader r =
        call(
            new FrameWriter()
                .u8(StoreOp.CAS.ordinal())
                .string(key)
                .u8(expected == null ? 1 : 0)
                .blob(expected == null ? new byte[0] : expected)
                .blob(desired),
            Duration.ZERO,
            "compareAndSet " + key);
    return r.u8() == StoreOp.STATUS_OK ? r.blob() : null;
  }

  @Override
  public boolean delete(String key) {
    FrameReader r =
        call(
            new FrameWriter().u8(StoreOp.DELETE.ordinal()).string(key),
            Duration.ZERO,
            "delete " + key);
    r.u8();
    return r.u8() == 1;
  }

  @Override
  public void waitFor(List<String> keys, Duration timeout) {
    if (!keysRequest(StoreOp.WAIT, keys, timeout)) {
      List<String> missing = keys.stream().filter(k -> tryGet(k).isEmpty()).toList();
      throw new CommTimeoutException(
          "store keys "
              + missing
              + " were not set within "
              + timeout.toMillis()
              + " ms (store "
              + host
              + ":"
              + port
              + ")");
    }
  }

  @Override
  public boolean check(List<String> keys) {
    return keysRequest(StoreOp.CHECK, keys, Duration.ZERO);
  }

  private boolean keysRequest(StoreOp op, List<String> keys, Duration timeout) {
    FrameWriter w = new FrameWriter().u8(op.ordinal()).i32(keys.size());
    keys.forEach(w::string);
    if (op == StoreOp.WAIT) {
      w.i64(Math.max(1, timeout.toMillis()));
    }
    return call(w, timeout, op + " " + keys).u8() == StoreOp.STATUS_OK;
  }

  private synchronized FrameReader call(FrameWriter request, Duration wait, String what) {
    if (broken) {
      throw new StoreException(
          "store connection to " + host + ":" + port + " is broken; " + what + " not sent");
    }
    byte[] answer;
    try {
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, wait.plus(MARGIN).toMillis()));
      Frames.write(out, request.toByteArray());
      answer = Frames.read(in, maxFrameBytes, describe());
    } catch (SocketTimeoutException e) {
      broken = true;
      throw new CommTimeoutException(
          "store "
              + host
              + ":"
              + port
              + " did not answer '"
              + what
              + "' within "
              + wait.plus(MARGIN).toMillis()
              + " ms",
          e);
    } catch (IOException | CommException e) {
      broken = true;
      throw new StoreException(
          "store " + host + ":" + port + " failed during '" + what + "': " + e.getMessage(), e);
    }
    FrameReader r = new FrameReader(answer, describe());
    if (answer.length > 0 && answer[0] == StoreOp.STATUS_ERROR) {
      r.u8();
      throw new StoreException(describe() + " refused '" + what + "': " + r.string());
    }
    return r;
  }

  private String describe() {
    return "store " + host + ":" + port;
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  @Override
  public String toString() {
    return "TcpStore[" + host + ":" + port + "]";
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommException("interrupted while connecting to the store", e);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Closing a socket we are abandoning: nothing useful to do with the error.
    }
  }
}
