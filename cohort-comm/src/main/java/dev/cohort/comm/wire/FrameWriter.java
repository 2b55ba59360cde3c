package dev.cohort.comm.wire;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Encodes the fields of one frame, mirroring {@link FrameReader}. */
public final class FrameWriter {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
  private final DataOutputStream out = new DataOutputStream(bytes);

  public FrameWriter u8(int v) {
    return run(() -> out.writeByte(v));
  }

  public FrameWriter i32(int v) {
    return run(() -> out.writeInt(v));
  }

  public FrameWriter i64(long v) {
    return run(() -> out.writeLong(v));
  }

  public FrameWriter string(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0xFFFF) {
      throw new IllegalArgumentException("string of " + b.length + " bytes is over 65535: " + s);
    }
    return run(
        () -> {
          out.writeShort(b.length);
          out.write(b);
        });
  }

  public FrameWriter blob(byte[] b) {
    return run(
        () -> {
          out.writeInt(b.length);
          out.write(b);
        });
  }

  public FrameWriter raw(byte[] b) {
    return run(() -> out.write(b));
  }

  public byte[] toByteArray() {
    return bytes.toByteArray();
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private FrameWriter run(IoAction a) {
    try {
      a.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen on a byte array
    }
    return this;
  }
}
