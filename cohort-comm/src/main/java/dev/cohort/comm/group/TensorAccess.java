package dev.cohort.comm.group;

import dev.cohort.comm.DataType;
import dev.cohort.comm.Tensor;

/**
 * The implementation's window into {@link Tensor}'s shared-memory placement, which is not part of
 * the public API. {@link Tensor} installs the accessor when it is initialized; this package is not
 * exported by the module, so users cannot reach it.
 */
public final class TensorAccess {
  /** What the implementation may do with a tensor beyond its public API. */
  public interface Accessor {
    /** A tensor over the shared memory that {@code region} describes. */
    Tensor shared(SharedRegion region, DataType type, int count);

    /** The shared region a tensor lives in, or null for ordinary memory. */
    SharedRegion region(Tensor t);

    /** Byte offset of a tensor within its shared region. */
    int regionOffset(Tensor t);
  }

  private static volatile Accessor accessor;

  private TensorAccess() {}

  /** Called once, by {@link Tensor}'s static initializer. */
  public static void install(Accessor a) {
    if (accessor != null) {
      throw new IllegalStateException("the tensor accessor is installed already");
    }
    accessor = a;
  }

  static Accessor get() {
    Accessor a = accessor;
    if (a == null) {
      Tensor.allocate(DataType.FLOAT32, 0); // initializes Tensor, which installs the accessor
      a = accessor;
    }
    return a;
  }

  static SharedRegion region(Tensor t) {
    return get().region(t);
  }

  static int regionOffset(Tensor t) {
    return get().regionOffset(t);
  }

  static Tensor shared(SharedRegion region, DataType type, int count) {
    return get().shared(region, type, count);
  }
}
