package dev.cohort.comm.wire;

import dev.cohort.comm.ProtocolException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Decodes fields from one received frame; any underflow or bad length is a {@link
 * ProtocolException}.
 */
public final class FrameReader {
  private final ByteBuffer buf;
  private final String what;

  public FrameReader(byte[] frame, String what) {
    this.buf = ByteBuffer.wrap(frame);
    this.what = what;
  }

  public byte u8() {
    return guard(() -> buf.get());
  }

  public int i32() {
    return guard(buf::getInt);
  }

  public long i64() {
    return guard(buf::getLong);
  }

  /** A u16-length-prefixed UTF-8 string. */
  public String string() {
    int len = guard(() -> Short.toUnsignedInt(buf.getShort()));
    return new String(bytes(len), StandardCharsets.UTF_8);
  }

  /** A u32-length-prefixed byte string. */
  public byte[] blob() {
    int len = i32();
    return bytes(len);
  }

  public byte[] bytes(int len) {
    if (len < 0 || len > buf.remaining()) {
      throw new ProtocolException(
          what
              + " sent a field of "
              + len
              + " bytes but only "
              + buf.remaining()
              + " remain in the frame");
    }
    byte[] b = new byte[len];
    buf.get(b);
    return b;
  }

  public int remaining() {
    return buf.remaining();
  }

  /** Fails if bytes are left over: a frame with trailing garbage is as suspect as a short one. */
  public void end() {
    if (buf.hasRemaining()) {
      throw new ProtocolException(what + " sent " + buf.remaining() + " unexpected trailing bytes");
    }
  }

  private <T> T guard(Supplier<T> f) {
    try {
      return f.get();
    } catch (BufferUnderflowException e) {
      throw new ProtocolException(what + " sent a truncated frame");
    }
  }
}
