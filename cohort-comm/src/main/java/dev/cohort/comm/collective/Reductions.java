package dev.cohort.comm.collective;

import dev.cohort.comm.group.DataType;
import dev.cohort.comm.group.ReduceOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Element-wise reduction kernels: {@code acc[i] = op(acc[i], in[i])}.
 *
 * <p>Buffers may be direct, mapped (shared memory) or heap. Typed buffer views do not vectorize on
 * JDK 17, so the kernels move blocks of {@value #BLOCK} elements into per-thread Java arrays (bulk
 * copies are intrinsics), combine them in plain array loops that C2 turns into SIMD, and copy back.
 * Blocks fit in L1, so the detour costs little next to the memory traffic itself.
 *
 * <p>Every op is commutative bit for bit (IEEE addition, min and max are), which is what lets ranks
 * combine in different orders and still agree exactly.
 */
public final class Reductions {
  static final int BLOCK = 2048;

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static final class Scratch {
    final float[] fa = new float[BLOCK];
    final float[] fb = new float[BLOCK];
    final double[] da = new double[BLOCK];
    final double[] db = new double[BLOCK];
    final int[] ia = new int[BLOCK];
    final int[] ib = new int[BLOCK];
    final long[] la = new long[BLOCK];
    final long[] lb = new long[BLOCK];
  }

  private Reductions() {}

  /**
   * Combines {@code count} elements of {@code in} (from its byte offset {@code inOff}) into
   * {@code acc} (from {@code accOff}). AVG combines as SUM; see {@link #finishAverage}.
   */
  public static void reduceInto(DataType type, ReduceOp op, ByteBuffer acc, int accOff,
      ByteBuffer in, int inOff, int count) {
    ByteBuffer a = acc.duplicate().order(ByteOrder.nativeOrder()).position(accOff);
    ByteBuffer b = in.duplicate().order(ByteOrder.nativeOrder()).position(inOff);
    Scratch s = SCRATCH.get();
    switch (type) {
      case FLOAT32 -> floats(op, a.asFloatBuffer(), b.asFloatBuffer(), count, s);
      case FLOAT64 -> doubles(op, a.asDoubleBuffer(), b.asDoubleBuffer(), count, s);
      case INT32 -> ints(op, a.asIntBuffer(), b.asIntBuffer(), count, s);
      case INT64 -> longs(op, a.asLongBuffer(), b.asLongBuffer(), count, s);
      default -> throw new IllegalArgumentException(type.name());
    }
  }

  /** Divides each of {@code count} elements from byte offset {@code off} by {@code n}. */
  public static void finishAverage(DataType type, ByteBuffer buf, int off, int count, int n) {
    ByteBuffer a = buf.duplicate().order(ByteOrder.nativeOrder()).position(off);
    switch (type) {
      case FLOAT32 -> {
        var v = a.asFloatBuffer();
        for (int i = 0; i < count; i++) {
          v.put(i, v.get(i) / n);
        }
      }
      case FLOAT64 -> {
        var v = a.asDoubleBuffer();
        for (int i = 0; i < count; i++) {
          v.put(i, v.get(i) / n);
        }
      }
      case INT32 -> {
        var v = a.asIntBuffer();
        for (int i = 0; i < count; i++) {
          v.put(i, v.get(i) / n);
        }
      }
      case INT64 -> {
        var v = a.asLongBuffer();
        for (int i = 0; i < count; i++) {
          v.put(i, v.get(i) / n);
        }
      }
      default -> throw new IllegalArgumentException(type.name());
    }
  }

  private static void floats(ReduceOp op, java.nio.FloatBuffer a, java.nio.FloatBuffer b, int count,
      Scratch s) {
    float[] x = s.fa;
    float[] y = s.fb;
    for (int done = 0; done < count; done += BLOCK) {
      int n = Math.min(BLOCK, count - done);
      a.get(done, x, 0, n);
      b.get(done, y, 0, n);
      switch (op) {
        case SUM, AVG -> {
          for (int i = 0; i < n; i++) {
            x[i] += y[i];
          }
        }
        case MIN -> {
          for (int i = 0; i < n; i++) {
            x[i] = Math.min(x[i], y[i]);
          }
        }
        case MAX -> {
          for (int i = 0; i < n; i++) {
            x[i] = Math.max(x[i], y[i]);
          }
        }
        default -> throw new IllegalArgumentException(op.name());
      }
      a.put(done, x, 0, n);
    }
  }

  private static void doubles(ReduceOp op, java.nio.DoubleBuffer a, java.nio.DoubleBuffer b,
      int count, Scratch s) {
    double[] x = s.da;
    double[] y = s.db;
    for (int done = 0; done < count; done += BLOCK) {
      int n = Math.min(BLOCK, count - done);
      a.get(done, x, 0, n);
      b.get(done, y, 0, n);
      switch (op) {
        case SUM, AVG -> {
          for (int i = 0; i < n; i++) {
            x[i] += y[i];
          }
        }
        case MIN -> {
          for (int i = 0; i < n; i++) {
            x[i] = Math.min(x[i], y[i]);
          }
        }
        case MAX -> {
          for (int i = 0; i < n; i++) {
            x[i] = Math.max(x[i], y[i]);
          }
        }
        default -> throw new IllegalArgumentException(op.name());
      }
      a.put(done, x, 0, n);
    }
  }

  private static void ints(ReduceOp op, java.nio.IntBuffer a, java.nio.IntBuffer b, int count,
      Scratch s) {
    int[] x = s.ia;
    int[] y = s.ib;
    for (int done = 0; done < count; done += BLOCK) {
      int n = Math.min(BLOCK, count - done);
      a.get(done, x, 0, n);
      b.get(done, y, 0, n);
      switch (op) {
        case SUM, AVG -> {
          for (int i = 0; i < n; i++) {
            x[i] += y[i];
          }
        }
        case MIN -> {
          for (int i = 0; i < n; i++) {
            x[i] = Math.min(x[i], y[i]);
          }
        }
        case MAX -> {
          for (int i = 0; i < n; i++) {
            x[i] = Math.max(x[i], y[i]);
          }
        }
        default -> throw new IllegalArgumentException(op.name());
      }
      a.put(done, x, 0, n);
    }
  }

  private static void longs(ReduceOp op, java.nio.LongBuffer a, java.nio.LongBuffer b, int count,
      Scratch s) {
    long[] x = s.la;
    long[] y = s.lb;
    for (int done = 0; done < count; done += BLOCK) {
      int n = Math.min(BLOCK, count - done);
      a.get(done, x, 0, n);
      b.get(done, y, 0, n);
      switch (op) {
        case SUM, AVG -> {
          for (int i = 0; i < n; i++) {
            x[i] += y[i];
          }
        }
        case MIN -> {
          for (int i = 0; i < n; i++) {
            x[i] = Math.min(x[i], y[i]);
          }
        }
        case MAX -> {
          for (int i = 0; i < n; i++) {
            x[i] = Math.max(x[i], y[i]);
          }
        }
        default -> throw new IllegalArgumentException(op.name());
      }
      a.put(done, x, 0, n);
    }
  }
}
