package dev.cohort.comm.transport;

import java.nio.ByteBuffer;

/**
 * Where received bytes go: copied into a buffer, or reduced into one as they arrive (which saves a
 * pass over memory compared with receiving first and reducing after).
 */
public interface Inbound {

  /** Bytes still expected. */
  int remaining();

  /**
   * Bytes must be handed over in multiples of this (the element size), except the very end. A
   * transport keeps a partial element until the rest arrives.
   */
  int granule();

  /** Consumes all of {@code src} (from position to limit). */
  void accept(ByteBuffer src);

  /**
   * A buffer the transport may read into directly, or null. Plain copies offer one so a socket can
   * read straight into the user's memory; the caller calls {@link #advance} afterwards.
   */
  default ByteBuffer target() {
    return null;
  }

  /** Records that {@code n} bytes were written into {@link #target()}. */
  default void advance(int n) {
    throw new UnsupportedOperationException("no target");
  }
}
