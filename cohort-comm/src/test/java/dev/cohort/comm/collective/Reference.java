package dev.cohort.comm.collective;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Deterministic test data and a naive sequential reducer to compare collectives against. Values are
 * small integers (also for float types), so every summation order gives the exact same answer and
 * results can be compared bit for bit.
 */
public final class Reference {
  private Reference() {}

  /** Rank {@code rank}'s input of {@code count} elements for a given seed. */
  public static Tensor input(DataType type, int count, int rank, long seed) {
    Tensor t = Tensor.allocate(type, count);
    SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + rank);
    ByteBuffer b = t.bytes();
    for (int i = 0; i < count; i++) {
      long v = rnd.nextInt(-1000, 1000);
      put(type, b, i, v);
    }
    return t;
  }

  /** The reduction of every rank's input, computed sequentially. */
  public static Tensor reduce(DataType type, ReduceOp op, int count, int size, long seed) {
    Tensor acc = input(type, count, 0, seed);
    for (int r = 1; r < size; r++) {
      Tensor in = input(type, count, r, seed);
      Reductions.reduceInto(type, op, acc.bytes(), 0, in.bytes(), 0, count);
    }
    if (op == ReduceOp.AVG) {
      Reductions.finishAverage(type, acc.bytes(), 0, count, size);
    }
    return acc;
  }

  private static void put(DataType type, ByteBuffer b, int i, long v) {
    switch (type) {
      case FLOAT32 -> b.putFloat(i * 4, v);
      case FLOAT64 -> b.putDouble(i * 8, v);
      case INT32 -> b.putInt(i * 4, (int) v);
      case INT64 -> b.putLong(i * 8, v * 1_000_000_007L);
      default -> throw new IllegalArgumentException(type.name());
    }
  }

  /** Copies of the bytes, for equality checks. */
  public static byte[] bytes(Tensor t) {
    byte[] out = new byte[t.byteSize()];
    t.bytes().get(out);
    return out;
  }
}
