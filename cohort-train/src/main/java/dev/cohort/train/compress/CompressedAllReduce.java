package dev.cohort.train.compress;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;

/**
 * The average of a float32 tensor over the ranks with 16-bit floats on the wire and 32-bit
 * accumulation: a reduce-scatter done as an all-to-all of 16-bit chunks, each rank adding its chunk
 * from every rank in float32, then an all-gather of the 16-bit sums. Each rank sends (N-1)/N x 2Ψ
 * bytes twice, half of a float32 ring all-reduce's 2(N-1)/N x 4Ψ. Every value is divided by N
 * before it is rounded (so the sum is the average, and fp16's range holds N times larger
 * gradients), and the average is rounded once more for the all-gather: the result carries 16-bit
 * precision. Not thread-safe; its buffers grow to the largest tensor averaged and serve every
 * smaller one.
 */
public final class CompressedAllReduce {
  private final ProcessGroup pg;
  private final Compression kind;
  private int capacity; // 16-bit values per rank the buffers hold
  private Tensor sendBuffer; // every rank's chunk of this rank's values, 16 bits each, in INT32s
  private Tensor receivedBuffer; // this rank's chunk of every rank's values
  private Tensor allBuffer; // every rank's chunk of the average
  private float[] sum;

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
  public void average(Tensor t) {
    if (t.type() != DataType.FLOAT32) {
      throw new IllegalArgumentException("compressed all-reduce of float32 only, got " + t.type());
    }
    int n = pg.size();
    int count = t.count();
    int chunk = ((count + n - 1) / n + 1) & ~1; // even: two 16-bit values per INT32
    grow(chunk);
    Tensor send = sendBuffer.slice(0, n * chunk / 2);
    Tensor received = receivedBuffer.slice(0, n * chunk / 2);
    Tensor all = allBuffer.slice(0, n * chunk / 2);
    Tensor mine = all.slice(pg.rank() * chunk / 2, chunk / 2);
    FloatBuffer values = floats(t);
    ShortBuffer out = shorts(send);
    int shift = kind == Compression.FP16 ? sharedShift(values, count) : 0;
    float scale = Math.scalb(1f / n, shift);
    for (int i = 0; i < n * chunk; i++) {
      out.put(i, i < count ? compress(values.get(i) * scale) : 0);
    }
    pg.allToAll(send, received);
    ShortBuffer in = shorts(received);
    Arrays.fill(sum, 0, chunk, 0f);
    for (int r = 0; r < n; r++) {
      for (int k = 0; k < chunk; k++) {
        sum[k] += decompress(in.get(r * chunk + k));
      }
    }
    ShortBuffer reduced = shorts(mine);
    for (int k = 0; k < chunk; k++) {
      reduced.put(k, compress(sum[k]));
    }
    pg.allGather(mine, all); // in place: this rank's chunk is its block of the whole
    ShortBuffer gathered = shorts(all);
    for (int i = 0; i < count; i++) {
      values.put(i, Math.scalb(decompress(gathered.get(i)), -shift));
    }
  }

  /**
   * The power of two (its exponent) that every rank scales its values by before fp16 rounds them:
   * the largest that keeps the largest value on any rank below 2^15, so that small gradients keep
   * fp16's 11 significant bits instead of falling into its subnormals (below 2^-14), and no sum
   * overflows. Powers of two scale exactly. One all-reduce of a float. Collective.
   */
  private int sharedShift(FloatBuffer values, int count) {
    float[] max = {0f};
    for (int i = 0; i < count; i++) {
      max[0] = Math.max(max[0], Math.abs(values.get(i)));
    }
    pg.allReduce(max, ReduceOp.MAX);
    if (!(max[0] > 0) || Float.isInfinite(max[0])) {
      return 0; // all zero, or not finite: nothing to gain
    }
    return Math.max(-126, Math.min(126, 14 - Math.getExponent(max[0])));
  }

  private void grow(int chunk) {
    if (chunk <= capacity) {
      return;
    }
    int n = pg.size();
    capacity = chunk;
    sendBuffer = Tensor.allocate(DataType.INT32, n * chunk / 2);
    receivedBuffer = Tensor.allocate(DataType.INT32, n * chunk / 2);
    allBuffer = Tensor.allocate(DataType.INT32, n * chunk / 2);
    sum = new float[chunk];
  }

  private short compress(float f) {
    return kind == Compression.FP16 ? HalfFloats.toFp16(f) : HalfFloats.toBf16(f);
  }

  private float decompress(short h) {
    return kind == Compression.FP16 ? HalfFloats.fromFp16(h) : HalfFloats.fromBf16(h);
  }

  private static FloatBuffer floats(Tensor t) {
    return t.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private static ShortBuffer shorts(Tensor t) {
    return t.bytes().order(ByteOrder.nativeOrder()).asShortBuffer();
  }
}
