package dev.cohort.comm.transport.tcp;

import dev.cohort.comm.seal.Session;
import dev.cohort.comm.transport.AbstractPair;
import dev.cohort.comm.transport.Inbound;
import dev.cohort.comm.transport.Pair;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A {@link Pair} over a non-blocking TCP socket, plain or encrypted as the handshake agreed ({@link
 * Conduit}). Plain copies read straight from the socket into the destination; reductions go through
 * a small staging buffer that also holds any partial element until its remaining bytes arrive.
 */
public final class TcpPair extends AbstractPair {
  private static final int STAGING_BYTES = 256 * 1024;

  private final SocketChannel channel;
  private final Conduit conduit;
  private final boolean encrypted;
  private final boolean sameMachine;

  /** Received but not yet consumed bytes, in [0, position): kept in write mode between calls. */
  private final ByteBuffer staging =
      ByteBuffer.allocateDirect(STAGING_BYTES).order(ByteOrder.nativeOrder());

  /**
   * Takes over a connected, authenticated channel and switches it to non-blocking mode.
   *
   * @param session what the handshake agreed; an encrypted session's record numbers carry on from
   *     the frames already exchanged on its streams
   * @param sameMachine whether the peer shares this machine's cores ({@link Pair#sameMachine()})
   */
  public TcpPair(
      int peerRank, String peerAddress, SocketChannel channel, Session session, boolean sameMachine)
      throws IOException {
    super(peerRank, peerAddress);
    this.channel = channel;
    this.sameMachine = sameMachine;
    this.encrypted = session.encrypted();
    this.conduit =
        encrypted
            ? new SealedConduit(
                channel,
                session.sender(),
                session.receiver(),
                "rank " + peerRank + " (" + peerAddress + ")")
            : Conduit.plain(channel);
    channel.configureBlocking(false);
  }

  /** The socket, for registration with a selector. */
  public SocketChannel channel() {
    return channel;
  }

  @Override
  public boolean sameMachine() {
    return sameMachine;
  }

  @Override
  public String kind() {
    return encrypted ? "tcp+aes" : "tcp";
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    return conduit.write(src);
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return conduit.write(srcs);
  }

  @Override
  public int read(Inbound sink) throws IOException {
    if (sink.remaining() == 0) {
      return 0;
    }
    if (staging.position() == 0) {
      ByteBuffer target = sink.target();
      if (target != null) {
        int n = conduit.read(target.limit(target.position() + sink.remaining()));
        if (n < 0) {
          throw new EOFException("peer closed the connection");
        }
        if (n > 0) {
          sink.advance(n);
        }
        return n;
      }
    }
    // Bytes already staged go first: the peer may have sent them and closed since.
    int staged = deliverStaged(sink);
    if (staged > 0) {
      return staged;
    }
    if (staging.hasRemaining() && conduit.read(staging) < 0) {
      throw new EOFException("peer closed the connection");
    }
    return deliverStaged(sink);
  }

  private int deliverStaged(Inbound sink) {
    int have = staging.position();
    int n = Math.min(have, sink.remaining());
    if (n < sink.remaining()) {
      n -= n % sink.granule(); // a partial element waits for its other bytes
    }
    if (n == 0) {
      return 0;
    }
    sink.accept(staging.slice(0, n).order(ByteOrder.nativeOrder()));
    staging.flip().position(n);
    staging.compact();
    return n;
  }

  @Override
  public SelectableChannel waitChannel() {
    return channel;
  }

  @Override
  public int waitOps(boolean receive) {
    return receive ? SelectionKey.OP_READ : SelectionKey.OP_WRITE;
  }

  @Override
  public boolean prepareWait(boolean receive) {
    return !receive || !conduit.hasBuffered();
  }

  @Override
  public void finishWait() {
    // Readiness is the kernel's business: nothing to withdraw.
  }

  @Override
  public void checkAlive() {
    // A dead TCP peer shows up as EOF or a reset on the next read or write.
  }

  @Override
  public boolean needsLivenessProbe() {
    return false; // the selector wakes on the EOF or reset of a dead peer
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // Closing after failure or at shutdown; the channel is unusable either way.
    }
  }
}
