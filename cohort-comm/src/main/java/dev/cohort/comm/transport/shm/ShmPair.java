package dev.cohort.comm.transport.shm;

import dev.cohort.comm.transport.Inbound;
import dev.cohort.comm.transport.Pair;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A {@link Pair} between two processes on one host, through two {@link ShmRing}s in one mapped
 * segment. Data never enters the kernel. The authenticated TCP connection used to set the pair up
 * stays open, idle, as a death detector: a killed peer's socket is closed by its kernel, which a
 * ring alone could never show.
 */
public final class ShmPair implements Pair {
  private final int peerRank;
  private final String peerAddress;
  private final ShmRing tx;
  private final ShmRing rx;
  private final SocketChannel control;
  private final ByteBuffer probe = ByteBuffer.allocate(1);

  ShmPair(int peerRank, String peerAddress, ShmRing tx, ShmRing rx, SocketChannel control)
      throws IOException {
    this.peerRank = peerRank;
    this.peerAddress = peerAddress;
    this.tx = tx;
    this.rx = rx;
    this.control = control;
    control.configureBlocking(false);
  }

  @Override
  public int peerRank() {
    return peerRank;
  }

  @Override
  public String peerAddress() {
    return peerAddress;
  }

  @Override
  public String kind() {
    return "shm";
  }

  @Override
  public int write(ByteBuffer src) {
    return tx.write(src);
  }

  @Override
  public int read(Inbound sink) {
    return sink.remaining() == 0 ? 0 : rx.read(sink);
  }

  @Override
  public void checkAlive() throws IOException {
    probe.clear();
    if (control.read(probe) < 0) {
      throw new EOFException("peer process is gone (its control connection closed)");
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

  @Override
  public String toString() {
    return "shm pair to rank " + peerRank + " (" + peerAddress + ")";
  }
}
