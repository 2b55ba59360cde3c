package dev.cohort.comm.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;

/**
 * One rank's connection to one peer: an ordered, reliable byte stream in each direction. All calls
 * are non-blocking and return how far they got; waiting is the job of the {@link Exchange} that
 * drives many pairs at once, so that a rank can send to one peer while receiving from another.
 *
 * <p>Not thread-safe: a pair is driven by its group's communication thread only.
 */
public interface Pair extends AutoCloseable {

  /** The peer's rank in the group that owns this pair. */
  int peerRank();

  /** The peer's address, as shown in error messages ("10.0.0.2:29501"). */
  String peerAddress();

  /**
   * Whether the peer runs on this machine, sharing its cores (shared memory always does; TCP does
   * between processes of one host, whatever their network namespaces). Decides whether a waiting
   * rank may spin: spinning on a shared core steals it from the peer being waited for.
   */
  default boolean sameMachine() {
    return false;
  }

  /** "tcp", "tcp+aes" (encrypted) or "shm", for diagnostics and benchmarks. */
  String kind();

  /**
   * Writes as many bytes of {@code src} as fit now, advancing its position.
   *
   * @return bytes written, possibly 0
   * @throws IOException if the connection is broken
   */
  int write(ByteBuffer src) throws IOException;

  /**
   * Writes as many bytes of {@code srcs}, in order, as fit now, advancing their positions; stops at
   * the first buffer that could not be written in full. A socket sends them in one system call, so
   * a message's header and payload leave together instead of as a tiny segment that wakes the
   * receiver on its own.
   *
   * @return bytes written, possibly 0
   * @throws IOException if the connection is broken
   */
  default long write(ByteBuffer[] srcs) throws IOException {
    long n = 0;
    for (ByteBuffer src : srcs) {
      n += write(src);
      if (src.hasRemaining()) {
        break;
      }
    }
    return n;
  }

  /**
   * Hands bytes that have arrived to {@code sink}, at most {@code sink.remaining()}.
   *
   * @return bytes consumed, possibly 0
   * @throws IOException if the connection is broken or the peer closed it
   */
  int read(Inbound sink) throws IOException;

  /**
   * Cheap liveness probe used while a transfer stalls. Throws, or makes the next read or write
   * throw, once the peer is known to be gone. Shared-memory pairs cannot see a dead peer in the
   * ring, so they watch a socket for that.
   */
  void checkAlive() throws IOException;

  /**
   * Whether a transfer stalled on this pair must be probed with {@link #checkAlive()} now and then.
   * True unless a dead peer already wakes the waiting rank by itself: a TCP socket reaches
   * end-of-stream, but a shared-memory ring just stays quiet.
   */
  default boolean needsLivenessProbe() {
    return true;
  }

  /** The channel a waiting rank sleeps on for this pair (a selector waits on it). */
  SelectableChannel waitChannel();

  /** Selection ops to wait for: for a receive, a send, on {@link #waitChannel()}. */
  int waitOps(boolean receive);

  /**
   * Announces that this side is about to sleep until the peer moves. Returns false if progress is
   * possible right now, in which case the caller must not sleep. Shared-memory pairs raise a flag
   * in the ring that makes the peer ring a doorbell on the socket; TCP needs nothing.
   */
  boolean prepareWait(boolean receive);

  /**
   * After a sleep: withdraws the announcement and consumes doorbells.
   *
   * @throws IOException if the peer is gone
   */
  void finishWait() throws IOException;

  /** Releases the connection; never throws. */
  @Override
  void close();
}
