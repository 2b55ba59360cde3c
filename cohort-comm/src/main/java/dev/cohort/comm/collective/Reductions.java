package dev.cohort.comm.collective;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Element-wise reduction kernels.
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

  private static final ThreadLocal<Kernel[]> KERNELS =
      ThreadLocal.withInitial(
          () ->
              new Kernel[] {
                new FloatKernel(), new DoubleKernel(), new IntKernel(), new LongKernel()
              });

  private Reductions() {}

  /**
   * {@code acc[i] = op(acc[i], in[i])} for {@code count} elements from the given byte offsets. AVG
   * combines as SUM; see {@link #finishAverage}.
   */
  public static void reduceInto(
      DataType type, ReduceOp op, ByteBuffer acc, int accOff, ByteBuffer in, int inOff, int count) {
    Kernel k = kernel(type);
    int size = type.bytes();
    for (int done = 0; done < count; done += BLOCK) {
      int n = Math.min(BLOCK, count - done);
      k.load(acc, accOff + done * size, n, true);
      k.load(in, inOff + done * size, n, false);
      k.combine(op, n);
      k.store(acc, accOff + done * size, n);
    }
  }

  /**
   * Reduces the same {@code count} elements of every source, in source order, and writes the result
   * to every destination, all at byte offset {@code off}: one pass over memory for a whole
   * shared-memory all-reduce segment. AVG divides by the number of sources.
   */
  public static void reduceMany(
      DataType type,
      ReduceOp op,
      ByteBuffer[] sources,
      ByteBuffer[] destinations,
      int off,
      int count) {
    Kernel k = kernel(type);
    int size = type.bytes();
    for (int done = 0; done < count; done += BLOCK) {
      int n = Math.min(BLOCK, count - done);
      int at = off + done * size;
      k.load(sources[0], at, n, true);
      for (int s = 1; s < sources.length; s++) {
        k.load(sources[s], at, n, false);
        k.combine(op, n);
      }
      if (op == ReduceOp.AVG) {
        k.divide(n, sources.length);
      }
      for (ByteBuffer d : destinations) {
        k.store(d, at, n);
      }
    }
  }

  /** Divides each of {@code count} elements from byte offset {@code off} by {@code n}. */
  public static void finishAverage(DataType type, ByteBuffer buf, int off, int count, int n) {
    Kernel k = kernel(type);
    int size = type.bytes();
    for (int done = 0; done < count; done += BLOCK) {
      int len = Math.min(BLOCK, count - done);
      k.load(buf, off + done * size, len, true);
      k.divide(len, n);
      k.store(buf, off + done * size, len);
    }
  }

  private static Kernel kernel(DataType type) {
    return KERNELS.get()[type.ordinal()];
  }

  /** One element type: an accumulator block x and an operand block y in Java arrays. */
  private interface Kernel {
    /** Loads n elements at byte offset {@code off} into x (acc) or y. */
    void load(ByteBuffer src, int off, int n, boolean acc);

    /** x = op(x, y). */
    void combine(ReduceOp op, int n);

    /** x = x / by (integer division for integer types). */
    void divide(int n, int by);

    /** Stores x's first n elements at byte offset {@code off}. */
    void store(ByteBuffer dst, int off, int n);
  }

  private static ByteBuffer at(ByteBuffer b, int off) {
    return b.duplicate().order(ByteOrder.nativeOrder()).position(off);
  }

  private static final class FloatKernel implements Kernel {
    final float[] x = new float[BLOCK];
    final float[] y = new float[BLOCK];

    public void load(ByteBuffer src, int off, int n, boolean acc) {
      at(src, off).asFloatBuffer().get(acc ? x : y, 0, n);
    }

    public void combine(ReduceOp op, int n) {
      switch (op) {
        case SUM, AVG -> {
          for (int i = 0; i < n; i++) x[i] += y[i];
        }
        case MIN -> {
          for (int i = 0; i < n; i++) x[i] = Math.min(x[i], y[i]);
        }
        case MAX -> {
          for (int i = 0; i < n; i++) x[i] = Math.max(x[i], y[i]);
        }
        default -> throw new IllegalArgumentException(op.name());
      }
    }

    public void divide(int n, int by) {
      for (int i = 0; i < n; i++) x[i] /= by;
    }

    public void store(ByteBuffer dst, int off, int n) {
      at(dst, off).asFloatBuffer().put(x, 0, n);
    }
  }

  private static final class DoubleKernel implements Kernel {
    final double[] x = new double[BLOCK];
    final double[] y = new double[BLOCK];

    public void load(ByteBuffer src, int off, int n, boolean acc) {
      at(src, off).asDoubleBuffer().get(acc ? x : y, 0, n);
    }

    public void combine(ReduceOp op, int n) {
      switch (op) {
        case SUM, AVG -> {
          for (int i = 0; i < n; i++) x[i] += y[i];
        }
        case MIN -> {
          for (int i = 0; i < n; i++) x[i] = Math.min(x[i], y[i]);
        }
        case MAX -> {
          for (int i = 0; i < n; i++) x[i] = Math.max(x[i], y[i]);
        }
        default -> throw new IllegalArgumentException(op.name());
      }
    }

    public void divide(int n, int by) {
      for (int i = 0; i < n; i++) x[i] /= by;
    }

    public void store(ByteBuffer dst, int off, int n) {
      at(dst, off).asDoubleBuffer().put(x, 0, n);
    }
  }

  private static final class IntKernel implements Kernel {
    final int[] x = new int[BLOCK];
    final int[] y = new int[BLOCK];

    public void load(ByteBuffer src, int off, int n, boolean acc) {
      at(src, off).asIntBuffer().get(acc ? x : y, 0, n);
    }

    public void combine(ReduceOp op, int n) {
      switch (op) {
        case SUM, AVG -> {
          for (int i = 0; i < n; i++) x[i] += y[i];
        }
        case MIN -> {
          for (int i = 0; i < n; i++) x[i] = Math.min(x[i], y[i]);
        }
        case MAX -> {
          for (int i = 0; i < n; i++) x[i] = Math.max(x[i], y[i]);
        }
        default -> throw new IllegalArgumentException(op.name());
      }
    }

    public void divide(int n, int by) {
      for (int i = 0; i < n; i++) x[i] /= by;
    }

    public void store(ByteBuffer dst, int off, int n) {
      at(dst, off).asIntBuffer().put(x, 0, n);
    }
  }

  private static final class LongKernel implements Kernel {
    final long[] x = new long[BLOCK];
    final long[] y = new long[BLOCK];

    public void load(ByteBuffer src, int off, int n, boolean acc) {
      at(src, off).asLongBuffer().get(acc ? x : y, 0, n);
    }

    public void combine(ReduceOp op, int n) {
      switch (op) {
        case SUM, AVG -> {
          for (int i = 0; i < n; i++) x[i] += y[i];
        }
        case MIN -> {
          for (int i = 0; i < n; i++) x[i] = Math.min(x[i], y[i]);
        }
        case MAX -> {
          for (int i = 0; i < n; i++) x[i] = Math.max(x[i], y[i]);
        }
        default -> throw new IllegalArgumentException(op.name());
      }
    }

    public void divide(int n, int by) {
      for (int i = 0; i < n; i++) x[i] /= by;
    }

    public void store(ByteBuffer dst, int off, int n) {
      at(dst, off).asLongBuffer().put(x, 0, n);
    }
  }
}
