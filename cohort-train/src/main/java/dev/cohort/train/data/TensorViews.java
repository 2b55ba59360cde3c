package dev.cohort.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Zero-copy access to libtorch's memory. {@code toByteBuffer(true)} on a CPU tensor of the PyTorch
 * engine returns a direct buffer over the tensor's own storage: writes land in the tensor, and the
 * next operation on it uses them. (Never {@code NDArray.set} a CPU tensor from a Java buffer
 * instead: it aliases the Java buffer, which then gets freed under the tensor.) The trainer reads
 * and writes parameters, gradients and its input tensors this way.
 */
public final class TensorViews {
  private TensorViews() {}

  /**
   * A native-order view of {@code array}'s float32 storage.
   *
   * @param what names the array in errors
   * @throws IllegalArgumentException if it is not float32
   * @throws IllegalStateException if its storage cannot be shared (not a contiguous CPU tensor)
   */
  public static ByteBuffer view(NDArray array, String what) {
    if (array.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(
          what
              + " is "
              + array.getDataType()
              + "; the distributed trainer handles float32 parameters");
    }
    ByteBuffer b = array.toByteBuffer(true);
    if (!b.isDirect() || b.capacity() != array.size() * 4) {
      throw new IllegalStateException(
          what + " is not a contiguous CPU tensor; cannot share its " + "memory");
    }
    return b.order(ByteOrder.nativeOrder());
  }

  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024);

  /** Writes zeros over the whole of {@code view} (a gradient to start the next step from). */
  public static void zero(ByteBuffer view) {
    ByteBuffer dst = view.duplicate().clear();
    while (dst.hasRemaining()) {
      dst.put(ZEROS.duplicate().limit(Math.min(ZEROS.capacity(), dst.remaining())));
    }
  }
}
