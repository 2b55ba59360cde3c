package dev.cohort.comm.transport.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The byte stream under a {@link TcpPair}: the socket itself, or encrypted records over it ({@link
 * SealedConduit}). Non-blocking, like the channel.
 */
interface Conduit {

  /** Reads what has arrived into {@code dst}; -1 once the peer has closed and nothing is left. */
  int read(ByteBuffer dst) throws IOException;

  /** Writes what fits now from {@code src}, advancing it by the bytes taken for good. */
  int write(ByteBuffer src) throws IOException;

  /**
   * Writes what fits now from {@code srcs}, in order, advancing them by the bytes taken for good.
   * By default one buffer at a time, stopping at the first that is not written in full.
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

  /** Whether bytes can be read without waiting for the socket. */
  boolean hasBuffered();

  /** The socket as it is. */
  static Conduit plain(SocketChannel channel) {
    return new Conduit() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
      }

      @Override
      public int write(ByteBuffer src) throws IOException {
        return channel.write(src);
      }

      @Override
      public long write(ByteBuffer[] srcs) throws IOException {
        return channel.write(srcs); // one gathering system call
      }

      @Override
      public boolean hasBuffered() {
        return false;
      }
    };
  }
}
