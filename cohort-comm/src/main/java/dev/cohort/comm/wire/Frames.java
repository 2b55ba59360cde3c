package dev.cohort.comm.wire;

import dev.cohort.comm.PeerClosedException;
import dev.cohort.comm.ProtocolException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * Length-prefixed frames on blocking streams: a big-endian u32 length, then that many bytes. The
 * length is checked against a bound before anything is allocated, so a hostile or garbled peer
 * cannot make us allocate gigabytes.
 */
public final class Frames {
  private Frames() {}

  /** Writes one frame and flushes. */
  public static void write(DataOutputStream out, byte[] payload) throws IOException {
    out.writeInt(payload.length);
    out.write(payload);
    out.flush();
  }

  /**
   * Reads one frame of at most {@code maxBytes}.
   *
   * @param what names the connection in error messages, e.g. "store client 127.0.0.1:4242"
   * @throws ProtocolException if the length is negative or over the bound, or the frame is
   *     truncated
   * @throws PeerClosedException if the peer closed before the frame started
   */
  public static byte[] read(DataInputStream in, int maxBytes, String what) throws IOException {
    int len;
    try {
      len = in.readInt();
    } catch (EOFException e) {
      throw new PeerClosedException(what + " closed the connection", e);
    }
    if (len < 0 || len > maxBytes) {
      throw new ProtocolException(
          what
              + " sent a frame of "
              + Integer.toUnsignedString(len)
              + " bytes, over the bound of "
              + maxBytes
              + " bytes; closing the connection");
    }
    byte[] payload = new byte[len];
    try {
      in.readFully(payload);
    } catch (EOFException e) {
      throw new ProtocolException(what + " sent a truncated frame (expected " + len + " bytes)");
    }
    return payload;
  }
}
