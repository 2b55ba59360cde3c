package dev.cohort.comm.transport;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommException;
import dev.cohort.comm.auth.AcceptBackoff;
import dev.cohort.comm.auth.DeadlineInputStream;
import dev.cohort.comm.auth.Handshake;
import dev.cohort.comm.auth.HandshakeSlots;
import dev.cohort.comm.auth.RateLimitedLog;
import dev.cohort.comm.seal.Session;
import dev.cohort.comm.wire.FrameReader;
import dev.cohort.comm.wire.Frames;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The accepting half of {@link Mesh#connect}: accepts on a rank's data listener and runs each
 * handshake on its own thread, so one silent or trickling connection cannot hold up the peers
 * behind it. Each handshake must end by {@link Handshake#DEADLINE} (or the group's deadline, if
 * sooner); handshakes in progress are capped ({@link HandshakeSlots}); a connection that fails is
 * dropped with a warning (at most one a second) and remembered for the timeout's message. A failure
 * of {@code accept()} or of starting a thread is logged and backed off, never fatal.
 *
 * <p>Peers that pass the handshake and send their rank are handed to the caller by {@link #next}.
 * Only the thread that made it calls {@link #next} and {@link #close}.
 */
final class MeshAcceptor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MeshAcceptor.class.getName());

  /** A peer that proved the secret and said which rank it is; its socket is open. */
  record Joined(
      SocketChannel channel,
      DeadlineInputStream bounded,
      DataInputStream in,
      DataOutputStream out,
      Session session,
      int peer,
      int peerSize,
      String what) {}

  private final CommConfig cfg;
  private final ServerSocketChannel listener;
  private final int rank;
  private final long groupDeadline;
  private final ThreadFactory threads;
  private final RateLimitedLog warnings = new RateLimitedLog(LOG);
  private final AcceptBackoff backoff;
  private final HandshakeSlots slots;
  private final ArrayDeque<Joined> joined = new ArrayDeque<>(); // guarded by itself
  private boolean closed; // guarded by joined
  private volatile String lastDropped;
  private long acceptAgainAt;

  MeshAcceptor(
      CommConfig cfg,
      ServerSocketChannel listener,
      int rank,
      String me,
      long groupDeadline,
      ThreadFactory threads) {
    this.cfg = cfg;
    this.listener = listener;
    this.rank = rank;
    this.groupDeadline = groupDeadline;
    this.threads = threads;
    String name = "rank " + rank + "'s data listener " + me;
    this.backoff = new AcceptBackoff(LOG, name);
    this.slots = new HandshakeSlots(name, warnings);
    this.acceptAgainAt = System.nanoTime();
  }

  /**
   * Accepts and starts handshakes until a peer has joined or {@code deadline} has passed.
   *
   * @return the next peer, or null at the deadline
   * @throws ClosedChannelException if the listener was closed (this thread was interrupted)
   */
  Joined next(long deadline) throws IOException {
    while (true) {
      synchronized (joined) {
        Joined j = joined.poll();
        if (j != null) {
          return j;
        }
      }
      if (System.nanoTime() - deadline > 0) {
        return null;
      }
      for (int i = 0; i < 64 && acceptOne(); i++) {
        // Take what waits in the backlog, up to a bound, before looking for joined peers again.
      }
      sleep(2);
    }
  }

  /** The reason the last dropped connection failed its handshake, or null if none did. */
  String lastDropped() {
    return lastDropped;
  }

  /**
   * Accepts at most one connection and starts its handshake; never throws but when closed.
   *
   * @return whether one was accepted
   */
  private boolean acceptOne() throws ClosedChannelException {
    if (System.nanoTime() - acceptAgainAt < 0) {
      return false;
    }
    SocketChannel ch = null;
    HandshakeSlots.Slot slot = null;
    try {
      ch = listener.accept();
      if (ch == null) {
        return false;
      }
      slot = slots.admit(ch.socket());
      SocketChannel accepted = ch;
      HandshakeSlots.Slot taken = slot;
      Thread t = threads.newThread(() -> handshake(accepted, taken));
      t.setName("cohort-handshake-rank" + rank);
      t.setDaemon(true);
      t.start();
      backoff.succeeded();
      return true;
    } catch (ClosedChannelException e) {
      throw e;
    } catch (Throwable t) {
      if (slot != null) {
        slot.close();
      }
      closeQuietly(ch);
      long delayMs = AcceptBackoff.MAX_DELAY_MS;
      try {
        delayMs = backoff.failed(t);
      } catch (Throwable logFailed) {
        // Logging needs memory too; when even that fails, wait the longest delay and try again.
      }
      acceptAgainAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs);
      return false;
    }
  }

  /** On its own thread: the handshake, then the peer's rank and world size. */
  private void handshake(SocketChannel ch, HandshakeSlots.Slot slot) {
    String what = "connection from " + ch.socket().getRemoteSocketAddress();
    try {
      ch.configureBlocking(true);
      Mesh.tune(cfg, ch);
      long left = Math.min(Handshake.DEADLINE.toNanos(), groupDeadline - System.nanoTime());
      DeadlineInputStream bounded =
          new DeadlineInputStream(ch.socket(), what, Duration.ofNanos(Math.max(0, left)));
      DataInputStream raw = new DataInputStream(bounded);
      DataOutputStream rawOut =
          new DataOutputStream(new BufferedOutputStream(ch.socket().getOutputStream()));
      Session session =
          Handshake.server(
              raw, rawOut, cfg.secret(), Handshake.Purpose.DATA, cfg.encryptsData(), what);
      DataInputStream in = session.input(raw, what);
      DataOutputStream out = session.output(rawOut);
      FrameReader hello = new FrameReader(Frames.read(in, 64, what), what);
      int peer = hello.i32();
      int peerSize = hello.i32();
      hello.end();
      slot.close();
      synchronized (joined) {
        if (!closed) {
          joined.add(new Joined(ch, bounded, in, out, session, peer, peerSize, what));
          return;
        }
      }
      ch.close(); // the group formed, or failed, meanwhile
    } catch (Throwable e) {
      slot.close();
      closeQuietly(ch);
      if (!isClosed()) {
        String why = String.valueOf(e.getMessage());
        lastDropped = why.contains(what) ? why : what + ": " + e;
        warnings.warn("rank " + rank + " dropped " + lastDropped);
      }
    }
  }

  private boolean isClosed() {
    synchronized (joined) {
      return closed;
    }
  }

  /** Drops every connection still handshaking or not taken by {@link #next}. */
  @Override
  public void close() {
    synchronized (joined) {
      closed = true;
      for (Joined j : joined) {
        closeQuietly(j.channel());
      }
      joined.clear();
    }
    slots.close();
  }

  private static void closeQuietly(SocketChannel ch) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "close failed", e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommException("interrupted while waiting for peers", e);
    }
  }
}
