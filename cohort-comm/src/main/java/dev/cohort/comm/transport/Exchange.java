package dev.cohort.comm.transport;

import dev.cohort.comm.CollectiveMismatchException;
import dev.cohort.comm.CommException;
import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.Failures;
import dev.cohort.comm.PeerClosedException;
import dev.cohort.comm.ProtocolException;
import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Drives a set of {@link Transfer}s on one thread until all are done, the deadline passes, or a
 * peer fails. This is the only place a collective waits: transfers never block, so sends to one
 * peer and receives from another progress together (full duplex), and a reduction runs on bytes as
 * they arrive.
 *
 * <p>Waiting: spin briefly (a peer on another core answers within microseconds), then sleep in one
 * selector over every pair involved: sockets for TCP pairs, and for shared-memory pairs the socket
 * on which the peer rings a doorbell (see {@link Pair#prepareWait}). Sleeping matters on an
 * oversubscribed host, where a spinning rank would steal the core of the rank it waits for. A dead
 * peer wakes the selector too (its socket reaches end-of-stream).
 */
public final class Exchange implements AutoCloseable {
  private static final long LIVENESS_PROBE_MS = 50;

  /**
   * Spin budget when this host has a core for every local rank: a peer usually answers within it.
   */
  public static final long SPIN_NANOS_DEDICATED = 50_000;

  /** Spin budget on an oversubscribed host, where spinning steals the core of the awaited peer. */
  public static final long SPIN_NANOS_OVERSUBSCRIBED = 5_000;

  private final Selector selector;
  private final Map<Pair, SelectionKey> keys = new IdentityHashMap<>();
  // Written by the one thread driving this exchange at a time, read by anyone (stats).
  private volatile long waitNanos;
  private volatile long bytesSent;
  private volatile long bytesReceived;

  private final long spinNanos;

  /**
   * @param spinNanos how long to busy-poll before sleeping in the selector. There is no
   *     Thread.yield() phase on purpose: measured here, one yield under load cost milliseconds.
   */
  public Exchange(long spinNanos) {
    this.spinNanos = spinNanos;
    try {
      selector = Selector.open();
    } catch (IOException e) {
      throw new CommException("cannot open a selector: " + e, e);
    }
  }

  /**
   * Runs {@code transfers} to completion; see the class comment. Transfers on the same pair and in
   * the same direction run strictly in list order (they share one byte stream); all others run
   * concurrently, subject to any {@link GatedTransfer} dependencies.
   */
  public void run(OpContext ctx, List<? extends Transfer> transfers) {
    List<ArrayDeque<Transfer>> lanes = lanes(transfers);
    int idle = 0;
    long stalledSince = 0;
    long lastProbe = System.nanoTime();
    while (true) {
      long iterationStart = idle > 0 ? System.nanoTime() : 0;
      boolean progress = false;
      boolean pending = false;
      boolean probeNeeded = false;
      for (ArrayDeque<Transfer> lane : lanes) {
        Transfer t;
        while ((t = lane.peekFirst()) != null) {
          if (!t.done()) {
            try {
              progress |= t.step();
            } catch (IOException e) {
              throw peerFailed(ctx, t, e);
            } catch (CollectiveMismatchException | ProtocolException e) {
              throw Failures.sameKind(e, ctx.describe() + ": " + e.getMessage());
            }
          }
          if (!t.done()) {
            break;
          }
          lane.pollFirst();
          if (t.isReceive()) {
            bytesReceived += t.payloadBytes();
          } else {
            bytesSent += t.payloadBytes();
          }
        }
        if (t != null) {
          pending = true;
          probeNeeded |= t.pair().needsLivenessProbe();
        }
      }
      if (!pending) {
        if (idle > 0) {
          waitNanos += iterationStart - stalledSince;
        }
        return;
      }
      long now = System.nanoTime();
      if (progress) {
        if (idle > 0) {
          waitNanos += iterationStart - stalledSince; // the stall ended when this pass began
        }
        idle = 0;
        continue;
      }
      if (idle++ == 0) {
        stalledSince = now;
      }
      if (now - ctx.deadlineNanos() > 0) {
        throw timedOut(ctx, transfers);
      }
      long stalled = now - stalledSince;
      if (stalled < spinNanos) {
        Thread.onSpinWait();
      } else {
        if (probeNeeded && now - lastProbe > TimeUnit.MILLISECONDS.toNanos(LIVENESS_PROBE_MS)) {
          probe(ctx, transfers);
          lastProbe = now;
        }
        sleep(ctx, lanes);
      }
    }
  }

  /** Time this exchange spent stalled, waiting for peers, since it was made (ns). */
  public long waitNanos() {
    return waitNanos;
  }

  /** Payload bytes of the messages this exchange has sent in full since it was made. */
  public long bytesSent() {
    return bytesSent;
  }

  /** Payload bytes of the messages this exchange has received in full since it was made. */
  public long bytesReceived() {
    return bytesReceived;
  }

  private static List<ArrayDeque<Transfer>> lanes(List<? extends Transfer> transfers) {
    Map<Pair, ArrayDeque<Transfer>> sends = new IdentityHashMap<>();
    Map<Pair, ArrayDeque<Transfer>> recvs = new IdentityHashMap<>();
    List<ArrayDeque<Transfer>> lanes = new ArrayList<>();
    for (Transfer t : transfers) {
      Map<Pair, ArrayDeque<Transfer>> m = t.isReceive() ? recvs : sends;
      m.computeIfAbsent(
              t.pair(),
              p -> {
                ArrayDeque<Transfer> lane = new ArrayDeque<>();
                lanes.add(lane);
                return lane;
              })
          .addLast(t);
    }
    return lanes;
  }

  /** Convenience for a fixed set of transfers. */
  public void run(OpContext ctx, Transfer... transfers) {
    run(ctx, List.of(transfers));
  }

  private void probe(OpContext ctx, List<? extends Transfer> transfers) {
    for (Transfer t : transfers) {
      if (!t.done()) {
        try {
          t.pair().checkAlive();
        } catch (IOException e) {
          throw peerFailed(ctx, t, e);
        }
      }
    }
  }

  /**
   * Sleeps until a pair that a lane waits on can move, the liveness-probe interval passes, or the
   * deadline comes. Shared-memory pairs are armed first (see {@link Pair#prepareWait}); if any can
   * move already, this returns at once.
   */
  private void sleep(OpContext ctx, List<ArrayDeque<Transfer>> lanes) {
    List<Transfer> armed = new ArrayList<>();
    try {
      for (SelectionKey k : keys.values()) {
        if (k.isValid()) {
          k.interestOps(0);
        }
      }
      boolean canMove = false;
      for (ArrayDeque<Transfer> lane : lanes) {
        Transfer t = lane.peekFirst();
        if (t == null || !t.ready()) {
          continue;
        }
        Pair p = t.pair();
        armed.add(t);
        if (!p.prepareWait(t.isReceive())) {
          canMove = true;
          break;
        }
        SelectionKey k = keys.get(p);
        if (k == null || !k.isValid()) {
          k = p.waitChannel().register(selector, 0);
          keys.put(p, k);
        }
        k.interestOps(k.interestOps() | p.waitOps(t.isReceive()));
      }
      if (!canMove) {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(ctx.deadlineNanos() - System.nanoTime());
        selector.select(Math.max(1, Math.min(leftMs, LIVENESS_PROBE_MS)));
        selector.selectedKeys().clear();
      }
    } catch (IOException | ClosedSelectorException | CancelledKeyException e) {
      throw new CommException(ctx.describe() + " failed while waiting for peers: " + e, e);
    } finally {
      for (Transfer t : armed) {
        try {
          t.pair().finishWait();
        } catch (IOException e) {
          throw peerFailed(ctx, t, e);
        }
      }
    }
  }

  private static PeerClosedException peerFailed(OpContext ctx, Transfer t, IOException e) {
    Pair p = t.pair();
    return new PeerClosedException(
        ctx.describe()
            + " lost peer rank "
            + p.peerRank()
            + " ("
            + p.peerAddress()
            + ", "
            + p.kind()
            + ") while "
            + t.progress()
            + " after "
            + ctx.elapsedMillis()
            + " ms: "
            + e.getMessage(),
        e);
  }

  private static CommTimeoutException timedOut(OpContext ctx, List<? extends Transfer> transfers) {
    StringBuilder sb =
        new StringBuilder(ctx.describe())
            .append(" timed out after ")
            .append(ctx.elapsedMillis())
            .append(" ms (timeout ")
            .append(ctx.timeout().toMillis())
            .append(" ms); still waiting on:");
    for (Transfer t : transfers) {
      if (!t.done()) {
        sb.append(" [peer rank ")
            .append(t.pair().peerRank())
            .append(" (")
            .append(t.pair().peerAddress())
            .append("): ")
            .append(t.progress())
            .append(']');
      }
    }
    sb.append(". A peer is slow, stuck or issued a different collective; raise ")
        .append(ctx.timeoutSetting())
        .append(" if it is only slow.");
    return new CommTimeoutException(sb.toString());
  }

  @Override
  public void close() {
    try {
      selector.close();
    } catch (IOException e) {
      // Shutting down.
    }
  }
}
