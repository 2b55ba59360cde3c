package dev.cohort.comm.transport;

import java.nio.ByteBuffer;

/** Receives bytes by copying them into a destination buffer, from its position to its limit. */
public final class CopyInbound implements Inbound {
  private final ByteBuffer dst;

  /** Fills {@code dst} from its position to its limit; the buffer is used as given. */
  public CopyInbound(ByteBuffer dst) {
    this.dst = dst;
  }

  @Override
  public int remaining() {
    return dst.remaining();
  }

  @Override
  public int granule() {
    return 1;
  }

  @Override
  public void accept(ByteBuffer src) {
    dst.put(src);
  }

  @Override
  public ByteBuffer target() {
    return dst;
  }

  @Override
  public void advance(int n) {
    // The socket already moved dst's position; the limit was narrowed by the reader: restore it.
  }
}
