package dev.cohort.comm.auth;

import java.io.FilterInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A socket's input whose reads all end by one wall-clock deadline, not a timeout per read: a peer
 * that trickles one byte at a time cannot stretch a handshake past it. Each read sets the socket's
 * timeout to the time left; once the deadline has passed, a read fails with {@link
 * SocketTimeoutException}. After {@link #lift()} reads block as long as the peer wants (an
 * authenticated connection lives as long as the job).
 *
 * <p>Not thread-safe: one reader at a time, as with the socket itself.
 */
public final class DeadlineInputStream extends FilterInputStream {
  private final Socket socket;
  private final String what;
  private long deadlineNanos;
  private boolean bounded = true;

  /**
   * @param what names the peer in the timeout's message
   * @param budget how long from now every read must have ended
   */
  public DeadlineInputStream(Socket socket, String what, Duration budget) throws IOException {
    super(socket.getInputStream());
    this.socket = socket;
    this.what = what;
    this.deadlineNanos = System.nanoTime() + budget.toNanos();
  }

  /** Bounds every later read by {@code deadlineNanos} ({@link System#nanoTime()} time). */
  public void setDeadline(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
    this.bounded = true;
  }

  /** Reads block without a bound from now on. */
  public void lift() throws IOException {
    bounded = false;
    socket.setSoTimeout(0);
  }

  @Override
  public int read() throws IOException {
    bound();
    return super.read();
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    bound();
    return super.read(b, off, len);
  }

  private void bound() throws IOException {
    if (!bounded) {
      return;
    }
    long leftNanos = deadlineNanos - System.nanoTime();
    if (leftNanos <= 0) {
      throw new SocketTimeoutException(what + " did not finish its handshake in time");
    }
    // Round up: a timeout of 0 would mean forever.
    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, (leftNanos + 999_999) / 1_000_000));
  }
}
