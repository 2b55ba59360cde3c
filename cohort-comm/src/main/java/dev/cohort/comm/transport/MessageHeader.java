package dev.cohort.comm.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 24 bytes in front of every data message: magic, the collective's sequence number, a tag (the
 * step within the collective, or the user's tag for send/recv) and the payload length. Receivers
 * know what they expect, so a header that disagrees exposes a rank that issued a different
 * collective, or garbage on the wire, before a single payload byte is used. Payloads are padded to
 * 8 bytes so the next header, and every element, stays aligned in shared-memory rings.
 */
public record MessageHeader(int seq, int tag, long length) {
  public static final int BYTES = 24;
  public static final int MAGIC = 0x43445441; // "CDTA"

  public ByteBuffer encode() {
    return ByteBuffer.allocate(BYTES)
        .order(ByteOrder.BIG_ENDIAN)
        .putInt(MAGIC)
        .putInt(seq)
        .putInt(tag)
        .putInt(0)
        .putLong(length)
        .flip();
  }

  /** Decodes a header, or returns null if the magic number is wrong. */
  public static MessageHeader decode(ByteBuffer b) {
    ByteBuffer d = b.duplicate().order(ByteOrder.BIG_ENDIAN).position(0);
    if (d.getInt() != MAGIC) {
      return null;
    }
    int seq = d.getInt();
    int tag = d.getInt();
    d.getInt();
    return new MessageHeader(seq, tag, d.getLong());
  }

  /** Bytes of padding after a payload of {@code length} bytes. */
  public static int padding(long length) {
    return (int) ((8 - (length & 7)) & 7);
  }
}
