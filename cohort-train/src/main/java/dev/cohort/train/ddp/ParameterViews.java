package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Zero-copy access to libtorch's memory. {@code toByteBuffer(true)} on a CPU tensor of the PyTorch
 * engine returns a direct buffer over the tensor's own storage: writes land in the tensor, and the
 * optimizer step uses them. (Never {@code NDArray.set} a CPU tensor from a Java buffer instead: it
 * aliases the Java buffer, which then gets freed under the tensor.)
 */
final class ParameterViews {
  private ParameterViews() {}

  /** A native-order view of {@code array}'s float32 storage. */
  static ByteBuffer view(NDArray array, String what) {
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

  static ByteBuffer value(Parameter p) {
    return view(p.getArray(), "parameter " + p.getName());
  }

  static long elements(Parameter p) {
    return p.getArray().size();
  }
}
