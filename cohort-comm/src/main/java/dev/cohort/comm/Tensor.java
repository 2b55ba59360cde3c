package dev.cohort.comm;

import dev.cohort.comm.group.SharedRegion;
import dev.cohort.comm.group.TensorAccess;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A flat run of elements that a collective reads or writes: a byte buffer (direct ones avoid a
 * copy), its element type and count. The buffer's content from index 0 is used; its position and
 * limit are ignored and left alone. Data is in native byte order.
 *
 * <p>A tensor is a view: the collective writes results into the same memory the caller passed.
 */
public final class Tensor {
  static {
    // Lets the implementation (dev.cohort.comm.group, not exported) see shared-memory placement
    // without making it part of the public API.
    TensorAccess.install(
        new TensorAccess.Accessor() {
          @Override
          public Tensor shared(SharedRegion region, DataType type, int count) {
            return Tensor.shared(region, type, count);
          }

          @Override
          public SharedRegion region(Tensor t) {
            return t.region;
          }

          @Override
          public int regionOffset(Tensor t) {
            return t.regionOffset;
          }
        });
  }

  private final ByteBuffer buffer;
  private final DataType type;
  private final int count;

  /** Set for tensors from {@link ProcessGroup#allocate}: the peers' mappings of the same memory. */
  private final SharedRegion region;

  /** Byte offset of this view within {@link #region}. */
  private final int regionOffset;

  private Tensor(
      ByteBuffer buffer, DataType type, int count, SharedRegion region, int regionOffset) {
    this.buffer = buffer;
    this.type = type;
    this.count = count;
    this.region = region;
    this.regionOffset = regionOffset;
  }

  /** A tensor over shared memory that {@code region} describes. */
  private static Tensor shared(SharedRegion region, DataType type, int count) {
    ByteBuffer view =
        region
            .local()
            .duplicate()
            .clear()
            .limit(count * type.bytes())
            .slice()
            .order(ByteOrder.nativeOrder());
    return new Tensor(view, type, count, region, 0);
  }

  /**
   * Wraps {@code count} elements of {@code type} at the start of {@code buffer}.
   *
   * @throws IllegalArgumentException if the buffer's capacity is too small or it is read-only
   */
  public static Tensor of(ByteBuffer buffer, DataType type, int count) {
    Objects.requireNonNull(buffer, "buffer");
    Objects.requireNonNull(type, "type");
    if (count < 0) {
      throw new IllegalArgumentException("element count must be >= 0, got " + count);
    }
    long need = (long) count * type.bytes();
    if (need > buffer.capacity()) {
      throw new IllegalArgumentException(
          count
              + " "
              + type
              + " elements need "
              + need
              + " bytes but the buffer holds "
              + buffer.capacity());
    }
    if (buffer.isReadOnly()) {
      throw new IllegalArgumentException(
          "collectives write their result in place; the buffer is " + "read-only");
    }
    ByteBuffer view =
        buffer.duplicate().clear().limit((int) need).slice().order(ByteOrder.nativeOrder());
    return new Tensor(view, type, count, null, 0);
  }

  /** A new direct tensor of {@code count} zeros. */
  public static Tensor allocate(DataType type, int count) {
    long bytes = (long) count * type.bytes();
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(count + " " + type + " elements exceed 2 GiB");
    }
    return of(ByteBuffer.allocateDirect((int) bytes), type, count);
  }

  public DataType type() {
    return type;
  }

  public int count() {
    return count;
  }

  public int byteSize() {
    return count * type.bytes();
  }

  /** A native-order view of exactly this tensor's bytes, position 0. */
  public ByteBuffer bytes() {
    return buffer.duplicate().order(ByteOrder.nativeOrder());
  }

  /** A view of elements [from, from + n). */
  public Tensor slice(int from, int n) {
    if (from < 0 || n < 0 || from + n > count) {
      throw new IndexOutOfBoundsException("slice [" + from + ", " + (from + n) + ") of " + count);
    }
    int b = type.bytes();
    return new Tensor(
        buffer.slice(from * b, n * b).order(ByteOrder.nativeOrder()),
        type,
        n,
        region,
        regionOffset + from * b);
  }

  @Override
  public String toString() {
    return count + " x " + type;
  }
}
