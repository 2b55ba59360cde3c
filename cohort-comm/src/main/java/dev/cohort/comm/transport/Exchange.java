package dev.cohort.comm.transport;

import dev.cohort.comm.CollectiveMismatchException;
import dev.cohort.comm.CommException;
import dev.cohort.comm.Failures;
import dev.cohort.comm.ProtocolException;
import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.PeerClosedException;
import dev.cohort.comm.transport.tcp.TcpPair;
import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives a set of {@link Transfer}s on one thread until all are done, the deadline passes, or a
 * peer fails. This is the only place a collective waits: transfers never block, so sends to one
 * peer and receives from another progress together (full duplex), and a reduction runs on bytes as
 * they arrive.
 *
 * <p>Waiting adapts to the transports involved: shared-memory rings are polled (spin, then yield,
 * then short parks, since on an oversubscribed host spinning would steal the peer's core); sockets
 * alone are waited on with a selector. While stalled, shared-memory peers are probed for death every
 * {@value #LIVENESS_PROBE_MS} ms.
 */
public final class Exchange implements AutoCloseable {
  private static final long LIVENESS_PROBE_MS = 50;
  private static final int SPINS = 64;
  /** Busy-poll this long before yielding: a peer on another core usually answers within it. */
  private static final long SPIN_NANOS = 20_000;
  /** Yield this long before parking: parks cost 50+ us of timer slack on Linux. */
  private static final long YIELD_NANOS = 2_000_000;
  private static final long PARK_NANOS = 50_000;

  private final Selector selector;
  private final Map<TcpPair, SelectionKey> keys = new IdentityHashMap<>();

  public Exchange() {
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
      boolean progress = false;
      boolean pending = false;
      boolean shmPending = false;
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
        }
        if (t != null) {
          pending = true;
          shmPending |= !(t.pair() instanceof TcpPair);
        }
      }
      if (!pending) {
        return;
      }
      long now = System.nanoTime();
      if (progress) {
        idle = 0;
        continue;
      }
      if (idle++ == 0) {
        stalledSince = now;
      }
      if (now - ctx.deadlineNanos() > 0) {
        throw timedOut(ctx, transfers);
      }
      if (shmPending) {
        if (now - lastProbe > TimeUnit.MILLISECONDS.toNanos(LIVENESS_PROBE_MS)) {
          probe(ctx, transfers);
          lastProbe = now;
        }
        backOff(now - stalledSince);
      } else if (idle > SPINS) {
        select(ctx, lanes);
      } else {
        Thread.onSpinWait();
      }
    }
  }

  private static List<ArrayDeque<Transfer>> lanes(List<? extends Transfer> transfers) {
    Map<Pair, ArrayDeque<Transfer>> sends = new IdentityHashMap<>();
    Map<Pair, ArrayDeque<Transfer>> recvs = new IdentityHashMap<>();
    List<ArrayDeque<Transfer>> lanes = new ArrayList<>();
    for (Transfer t : transfers) {
      Map<Pair, ArrayDeque<Transfer>> m = t.isReceive() ? recvs : sends;
      m.computeIfAbsent(t.pair(), p -> {
        ArrayDeque<Transfer> lane = new ArrayDeque<>();
        lanes.add(lane);
        return lane;
      }).addLast(t);
    }
    return lanes;
  }

  /** Convenience for a fixed set of transfers. */
  public void run(OpContext ctx, Transfer... transfers) {
    run(ctx, List.of(transfers));
  }

  private static void backOff(long stalledNanos) {
    if (stalledNanos < SPIN_NANOS) {
      Thread.onSpinWait();
    } else if (stalledNanos < YIELD_NANOS) {
      Thread.yield();
    } else {
      LockSupport.parkNanos(PARK_NANOS);
    }
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

  private void select(OpContext ctx, List<ArrayDeque<Transfer>> lanes) {
    try {
      for (SelectionKey k : keys.values()) {
        k.interestOps(0);
      }
      for (ArrayDeque<Transfer> lane : lanes) {
        Transfer t = lane.peekFirst();
        if (t != null && t.ready() && t.pair() instanceof TcpPair tcp) {
          SelectionKey k = keys.get(tcp);
          if (k == null || !k.isValid()) {
            k = tcp.channel().register(selector, 0);
            keys.put(tcp, k);
          }
          k.interestOps(k.interestOps() | (t.isReceive() ? SelectionKey.OP_READ : SelectionKey.OP_WRITE));
        }
      }
      long leftMs = TimeUnit.NANOSECONDS.toMillis(ctx.deadlineNanos() - System.nanoTime());
      selector.select(Math.max(1, Math.min(leftMs, 100)));
      selector.selectedKeys().clear();
    } catch (IOException | ClosedSelectorException | java.nio.channels.CancelledKeyException e) {
      throw new CommException(ctx.describe() + " failed while waiting for sockets: " + e, e);
    }
  }

  private static PeerClosedException peerFailed(OpContext ctx, Transfer t, IOException e) {
    Pair p = t.pair();
    return new PeerClosedException(ctx.describe() + " lost peer rank " + p.peerRank() + " ("
        + p.peerAddress() + ", " + p.kind() + ") while " + t.progress() + " after "
        + ctx.elapsedMillis() + " ms: " + e.getMessage(), e);
  }

  private static CommTimeoutException timedOut(OpContext ctx, List<? extends Transfer> transfers) {
    StringBuilder sb = new StringBuilder(ctx.describe()).append(" timed out after ")
        .append(ctx.elapsedMillis()).append(" ms (timeout ").append(ctx.timeout().toMillis())
        .append(" ms); still waiting on:");
    for (Transfer t : transfers) {
      if (!t.done()) {
        sb.append(" [peer rank ").append(t.pair().peerRank()).append(" (")
            .append(t.pair().peerAddress()).append("): ").append(t.progress()).append(']');
      }
    }
    sb.append(". A peer is slow, stuck or issued a different collective; raise COHORT_TIMEOUT_MS "
        + "if it is only slow.");
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
