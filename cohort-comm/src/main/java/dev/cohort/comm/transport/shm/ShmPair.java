package dev.cohort.comm.transport.shm;

import dev.cohort.comm.transport.AbstractPair;
import dev.cohort.comm.transport.Inbound;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A {@link Pair} between two processes on one host, through two {@link ShmRing}s in one mapped
 * segment. Data never enters the kernel. The authenticated TCP connection used to set the pair up
 * stays open for two jobs: death detection (a killed peer's socket is closed by its kernel, which a
 * ring alone could never show) and doorbells (one byte wakes a peer that sleeps in its selector
 * instead of spinning, see {@link ShmRing}).
 */
public final class ShmPair extends AbstractPair {
  private final ShmRing tx;
  private final ShmRing rx;
  private final SocketChannel control;
  private final ByteBuffer probe = ByteBuffer.allocateDirect(64);
  private final ByteBuffer doorbell = ByteBuffer.allocateDirect(1);
  private static final String GONE = "peer process is gone (its control connection closed)";
  private boolean peerClosed;

  ShmPair(int peerRank, String peerAddress, ShmRing tx, ShmRing rx, SocketChannel control)
      throws IOException {
    super(peerRank, peerAddress);
    this.tx = tx;
    this.rx = rx;
    this.control = control;
    control.configureBlocking(false);
  }

  @Override
  public String kind() {
    return "shm";
  }

  @Override
  public boolean sameMachine() {
    return true;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (peerClosed) {
      throw new EOFException(GONE);
    }
    int n = tx.write(src);
    if (tx.takeWakePeer()) {
      ringDoorbell();
    }
    return n;
  }

  @Override
  public int read(Inbound sink) throws IOException {
    if (sink.remaining() == 0) {
      return 0;
    }
    int n = rx.read(sink);
    if (rx.takeWakePeer() && !peerClosed) {
      ringDoorbell();
    }
    // A peer that closed may have written everything we need before it left; only when the ring
    // has nothing more for us is its absence an error.
    if (n == 0 && peerClosed) {
      throw new EOFException(GONE);
    }
    return n;
  }

  private void ringDoorbell() throws IOException {
    // One byte wakes the peer's selector. A full socket buffer means it has doorbells pending
    // already, so a short write needs no retry.
    control.write(doorbell.clear());
  }

  @Override
  public SelectableChannel waitChannel() {
    return control;
  }

  @Override
  public int waitOps(boolean receive) {
    return SelectionKey.OP_READ;
  }

  @Override
  public boolean prepareWait(boolean receive) {
    return receive ? rx.armReader() : tx.armWriter();
  }

  @Override
  public void finishWait() throws IOException {
    rx.disarmReader();
    tx.disarmWriter();
    checkAlive();
  }

  /**
   * Consumes doorbells and notes end-of-stream: the peer closed the pair or its process died. The
   * next read that finds the ring empty, or the next write, then fails.
   */
  @Override
  public void checkAlive() throws IOException {
    int n;
    do {
      n = control.read(probe.clear());
    } while (n > 0);
    if (n < 0) {
      peerClosed = true;
    }
  }

  @Override
  public void close() {
    try {
      control.close();
    } catch (IOException e) {
      // Shutting down; the mapping is released by the garbage collector.
    }
  }
}
