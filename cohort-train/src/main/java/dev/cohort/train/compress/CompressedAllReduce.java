package dev.cohort.train.compress;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The average of a float32 tensor over the ranks with 16-bit floats on the wire and 32-bit
 * accumulation: a reduce-scatter done as an all-to-all of 16-bit chunks, each rank adding its chunk
 * from every rank in float32, then an all-gather of the 16-bit sums. Each rank sends (N-1)/N x 2Ψ
 * bytes twice (and the blocks' scales), half of a float32 ring all-reduce's 2(N-1)/N x 4Ψ. Every
 * value is divided by N before it is rounded (so the sum is the average), and the average is
 * rounded once more for the all-gather: the result carries 16-bit precision.
 *
 * <p>For fp16, each block of {@value #BLOCK} values travels scaled by a power of two of its own,
 * whose exponent goes in front of the chunk (16 bits per block, 0.8% more bytes): the largest that
 * keeps the block's largest value below 2^15, so that small gradients keep fp16's 11 significant
 * bits instead of falling into its subnormals (below 2^-14) and no sum overflows. Powers of two
 * scale exactly, and the scales cost no extra round trip.
 *
 * <p>Not thread-safe; its buffers grow to the largest tensor averaged and serve every smaller one.
 */
public final class CompressedAllReduce implements CommHook {
  private final ProcessGroup pg;
  private final Compression kind;
  private int capacity; // 16-bit values per chunk the buffers hold
  private Tensor sendBuffer; // every rank's chunk of this rank's values, each behind its scale
  private Tensor receivedBuffer; // this rank's chunk of every rank's values
  private Tensor allBuffer; // every rank's chunk of the average
  private float[] sum;
  private float[] part; // one chunk, unpacked

  /**
   * @param kind FP16 or BF16
   * @throws IllegalArgumentException for {@link Compression#NONE}
   */
  public CompressedAllReduce(ProcessGroup pg, Compression kind) {
    if (kind == Compression.NONE) {
      throw new IllegalArgumentException("no compression: use the plain all-reduce");
    }
    this.pg = pg;
    this.kind = kind;
  }

  /** Replaces {@code t}'s float32 values by their average over the ranks. Collective. */
  @Override
  public void average(Tensor t, int index) {
    if (t.type() != DataType.FLOAT32) {
      throw new IllegalArgumentException("compressed all-reduce of float32 only, got " + t.type());
    }
    int n = pg.size();
    int count = t.count();
    if (count == 0) {
      return; // every rank has the same count: none has anything to send
    }
    int chunk = chunk(count, n);
    int words = chunkWords(count, n);
    grow(chunk);
    Tensor send = sendBuffer.slice(0, n * words);
    Tensor received = receivedBuffer.slice(0, n * words);
    Tensor all = allBuffer.slice(0, n * words);
    FloatBuffer values = t.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int r = 0; r < n; r++) {
      for (int k = 0; k < chunk; k++) {
        int i = r * chunk + k;
        part[k] = i < count ? values.get(i) / n : 0;
      }
      pack(part, chunk, bytes(send, r * words, words));
    }
    pg.allToAll(send, received);
    Arrays.fill(sum, 0, chunk, 0f);
    for (int r = 0; r < n; r++) {
      unpack(bytes(received, r * words, words), chunk, part);
      for (int k = 0; k < chunk; k++) {
        sum[k] += part[k];
      }
    }
    pack(sum, chunk, bytes(all, pg.rank() * words, words));
    pg.allGather(all.slice(pg.rank() * words, words), all); // in place: this rank's block
    for (int r = 0; r < n; r++) {
      unpack(bytes(all, r * words, words), chunk, part);
      for (int k = 0; k < chunk && r * chunk + k < count; k++) {
        values.put(r * chunk + k, part[k]);
      }
    }
  }

  /** Values of {@code count} that each of {@code ranks} sums: even, two 16-bit values per word. */
  private static int chunk(int count, int ranks) {
    return ((count + ranks - 1) / ranks + 1) & ~1;
  }

  /**
   * 32-bit words of one chunk on the wire, scales included, when {@code ranks} average {@code
   * count} values: the all-to-all and the all-gather each move one such chunk per pair of ranks.
   */
  public static int chunkWords(int count, int ranks) {
    return (shorts(chunk(count, ranks)) + 1) / 2;
  }

  /** Values per block, which shares one scale. */
  static final int BLOCK = 256;

  /** 16-bit words of a chunk on the wire: a scale per block, then its values. */
  static int shorts(int chunk) {
    return (chunk + BLOCK - 1) / BLOCK + chunk;
  }

  /**
   * Writes {@code values[0, chunk)} into {@code out}: each block's scale exponent (fp16; 0 for
   * bf16), then the values, 16 bits each.
   */
  private void pack(float[] values, int chunk, ByteBuffer out) {
    int blocks = (chunk + BLOCK - 1) / BLOCK;
    for (int b = 0; b < blocks; b++) {
      int from = b * BLOCK;
      int to = Math.min(chunk, from + BLOCK);
      int shift = kind == Compression.FP16 ? shift(values, from, to) : 0;
      out.putShort(2 * b, (short) shift);
      float factor = Math.scalb(1f, shift); // a power of two: the product is exact, bar underflow
      for (int k = from; k < to; k++) {
        float v = values[k] * factor;
        out.putShort(
            2 * (blocks + k),
            kind == Compression.FP16 ? HalfFloats.toFp16(v) : HalfFloats.toBf16(v));
      }
    }
  }

  /** Reads a chunk {@link #pack} wrote into {@code values[0, chunk)}. */
  private void unpack(ByteBuffer in, int chunk, float[] values) {
    int blocks = (chunk + BLOCK - 1) / BLOCK;
    for (int b = 0; b < blocks; b++) {
      float factor = Math.scalb(1f, -in.getShort(2 * b));
      for (int k = b * BLOCK; k < Math.min(chunk, (b + 1) * BLOCK); k++) {
        short h = in.getShort(2 * (blocks + k));
        float v = kind == Compression.FP16 ? HalfFloats.fromFp16(h) : HalfFloats.fromBf16(h);
        values[k] = v * factor;
      }
    }
  }

  /**
   * The exponent of the power of two that brings the largest of {@code values[from, to)} just below
   * 2^15 (0 when they are all zero or one is not finite).
   */
  private static int shift(float[] values, int from, int to) {
    float max = 0;
    for (int k = from; k < to; k++) {
      max = Math.max(max, Math.abs(values[k]));
    }
    if (!(max > 0) || Float.isInfinite(max)) {
      return 0;
    }
    return Math.max(-126, Math.min(126, 14 - Math.getExponent(max)));
  }

  private static ByteBuffer bytes(Tensor t, int fromWord, int words) {
    return t.slice(fromWord, words).bytes().order(ByteOrder.nativeOrder());
  }

  private void grow(int chunk) {
    if (chunk <= capacity) {
      return;
    }
    int words = pg.size() * ((shorts(chunk) + 1) / 2);
    capacity = chunk;
    sendBuffer = Tensor.allocate(DataType.INT32, words);
    receivedBuffer = Tensor.allocate(DataType.INT32, words);
    allBuffer = Tensor.allocate(DataType.INT32, words);
    sum = new float[chunk];
    part = new float[chunk];
  }
}
