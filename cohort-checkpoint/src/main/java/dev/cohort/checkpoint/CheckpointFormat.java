package dev.cohort.checkpoint;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The binary layout of {@code state.bin} (version {@value #VERSION}), all integers big-endian:
 *
 * <pre>
 * magic      8 bytes  "COHORTCK"
 * version    u32
 * step       u64, epoch u32, batch u32
 * count      u32      number of arrays
 * count times:
 *   name     u16 length + UTF-8
 *   length   u32      number of float32 elements
 *   data     length x float32, little-endian (the in-memory order of x86 and ARM)
 * </pre>
 *
 * No Java serialization, nothing executable: a reader allocates only what the declared lengths
 * allow within the file's actual size and the caller's bound. The manifest (JSON) beside it carries
 * the SHA-256 of this file, the metadata, the format version, and a checksum of itself ({@link
 * Manifest}).
 */
public final class CheckpointFormat {
  public static final int VERSION = 1;
  static final byte[] MAGIC = "COHORTCK".getBytes(StandardCharsets.US_ASCII);
  private static final int CHUNK = 1 << 16;
  private static final long MAX_ARRAY = Integer.MAX_VALUE - 8; // the longest a JVM allocates

  private CheckpointFormat() {}

  static void write(TrainingState s, DataOutputStream out) throws IOException {
    out.write(MAGIC);
    out.writeInt(VERSION);
    out.writeLong(s.step());
    out.writeInt(s.epoch());
    out.writeInt(s.batch());
    out.writeInt(s.arrays().size());
    ByteBuffer chunk = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (Map.Entry<String, float[]> e : s.arrays().entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      out.writeShort(name.length);
      out.write(name);
      float[] a = e.getValue();
      out.writeInt(a.length);
      for (int at = 0; at < a.length; at += CHUNK) {
        int n = Math.min(CHUNK, a.length - at);
        chunk.clear();
        chunk.asFloatBuffer().put(a, at, n);
        out.write(chunk.array(), 0, n * 4);
      }
    }
  }

  /**
   * @param fileBytes the file's size, bounding every declared length (together)
   * @param maxArrayFloats the most floats one array may hold, checked before it is allocated
   * @throws IOException naming what is wrong: bad magic, other version, an implausible length,
   *     truncation
   */
  static TrainingState read(
      DataInputStream in, long fileBytes, long maxArrayFloats, Map<String, Object> meta)
      throws IOException {
    try {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException("not a Cohort checkpoint (bad magic)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(
            "checkpoint format version "
                + version
                + ", this Cohort reads "
                + VERSION
                + ": resume with the Cohort version that wrote it");
      }
      long step = in.readLong();
      int epoch = in.readInt();
      int batch = in.readInt();
      int count = in.readInt();
      if (count < 0 || count > 1_000_000) {
        throw new IOException("implausible array count " + count);
      }
      Map<String, float[]> arrays = new LinkedHashMap<>();
      long budget = fileBytes;
      byte[] buf = new byte[CHUNK * 4];
      for (int i = 0; i < count; i++) {
        byte[] name = in.readNBytes(in.readUnsignedShort());
        long length = Integer.toUnsignedLong(in.readInt());
        if (4L * length > budget) {
          throw new IOException(
              "array " + i + " declares " + length + " floats, more than the file holds");
        }
        if (length > Math.min(maxArrayFloats, MAX_ARRAY)) {
          throw new IOException(
              "array "
                  + i
                  + " declares "
                  + length
                  + " floats, more than the "
                  + Math.min(maxArrayFloats, MAX_ARRAY)
                  + " an array of this model can hold");
        }
        budget -= 4L * length;
        float[] a = new float[(int) length];
        for (int at = 0; at < a.length; at += CHUNK) {
          int n = Math.min(CHUNK, a.length - at);
          in.readFully(buf, 0, n * 4);
          ByteBuffer.wrap(buf, 0, n * 4)
              .order(ByteOrder.LITTLE_ENDIAN)
              .asFloatBuffer()
              .get(a, at, n);
        }
        arrays.put(new String(name, StandardCharsets.UTF_8), a);
      }
      if (in.read() != -1) {
        throw new IOException("trailing bytes after the last array");
      }
      return new TrainingState(step, epoch, batch, arrays, meta);
    } catch (EOFException e) {
      throw new IOException("truncated", e);
    }
  }
}
