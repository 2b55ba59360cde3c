package dev.cohort.comm.auth;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * The handshakes in progress on one listener, capped in all and per source address, apart from the
 * connections that have passed (those are the server's to cap). A new connection that would exceed
 * a cap takes the place of the oldest handshake in progress: from its own address when that address
 * is at its cap, else from any. Silent or trickling connections therefore cannot keep out a client
 * that knows the secret: its handshake is over in a few round trips, and a flood would have to open
 * a cap's worth of connections within those milliseconds to drop it. Every handshake must also end
 * by {@link Handshake#DEADLINE}.
 *
 * <p>Thread-safe.
 */
public final class HandshakeSlots implements AutoCloseable {
  /** Handshakes in progress on one listener, from all addresses. */
  public static final int DEFAULT_MAX = 512;

  /** Handshakes in progress from one source address. */
  public static final int DEFAULT_MAX_PER_ADDRESS = 128;

  private final String name;
  private final int max;
  private final int maxPerAddress;
  private final RateLimitedLog log;
  private final LinkedHashSet<Slot> inProgress = new LinkedHashSet<>(); // oldest first
  private final Map<InetAddress, Integer> perAddress = new HashMap<>();
  private boolean closed;

  /**
   * @param name names the listener in warnings, e.g. "store on port 29500"
   */
  public HandshakeSlots(String name, int max, int maxPerAddress, RateLimitedLog log) {
    this.name = name;
    this.max = max;
    this.maxPerAddress = maxPerAddress;
    this.log = log;
  }

  public HandshakeSlots(String name, RateLimitedLog log) {
    this(name, DEFAULT_MAX, DEFAULT_MAX_PER_ADDRESS, log);
  }

  /**
   * Takes a slot for a handshake on {@code socket}; if a cap is reached, first closes the socket of
   * the oldest handshake in the way. After {@link #close()}, closes {@code socket} instead.
   *
   * @return the slot, to close when the handshake has ended either way
   */
  public Slot admit(Socket socket) {
    InetAddress address = socket.getInetAddress();
    Slot slot = new Slot(socket, address, System.nanoTime());
    Slot evicted = null;
    synchronized (this) {
      if (closed) {
        evicted = slot;
      } else {
        if (perAddress.getOrDefault(address, 0) >= maxPerAddress) {
          evicted = oldest(address);
        } else if (inProgress.size() >= max) {
          evicted = oldest(null);
        }
        if (evicted != null) {
          release(evicted);
        }
        inProgress.add(slot);
        perAddress.merge(address, 1, Integer::sum);
      }
    }
    if (evicted == slot) {
      closeQuietly(socket);
    } else if (evicted != null) {
      log.warn(
          name
              + " dropped a handshake from "
              + evicted.socket.getRemoteSocketAddress()
              + " still unfinished after "
              + (slot.startNanos - evicted.startNanos) / 1_000_000
              + " ms: "
              + (perAddress(address) >= maxPerAddress
                  ? maxPerAddress + " in progress from " + address.getHostAddress()
                  : max + " in progress"));
      closeQuietly(evicted.socket);
    }
    return slot;
  }

  /** Handshakes in progress now. */
  public synchronized int inProgress() {
    return inProgress.size();
  }

  private synchronized int perAddress(InetAddress address) {
    return perAddress.getOrDefault(address, 0);
  }

  /** Closes every connection still handshaking; later connections are closed on admission. */
  @Override
  public void close() {
    Slot[] all;
    synchronized (this) {
      closed = true;
      all = inProgress.toArray(new Slot[0]);
      inProgress.clear();
      perAddress.clear();
    }
    for (Slot s : all) {
      closeQuietly(s.socket);
    }
  }

  /** The oldest slot of {@code address}, or of any when null. */
  private Slot oldest(InetAddress address) {
    for (Slot s : inProgress) {
      if (address == null || s.address.equals(address)) {
        return s;
      }
    }
    return null;
  }

  private synchronized void release(Slot slot) {
    if (inProgress.remove(slot)) {
      perAddress.computeIfPresent(slot.address, (a, n) -> n == 1 ? null : n - 1);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // A socket we drop; no one is waiting for it.
    }
  }

  /** One handshake's place; closing it (when the handshake has ended) frees the place. */
  public final class Slot implements AutoCloseable {
    private final Socket socket;
    private final InetAddress address;
    private final long startNanos;

    private Slot(Socket socket, InetAddress address, long startNanos) {
      this.socket = socket;
      this.address = address;
      this.startNanos = startNanos;
    }

    /** Frees the place; the socket stays open. Idempotent. */
    @Override
    public void close() {
      release(this);
    }
  }
}
