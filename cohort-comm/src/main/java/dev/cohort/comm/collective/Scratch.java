package dev.cohort.comm.collective;

import dev.cohort.comm.DataType;
import dev.cohort.comm.Tensor;
import java.nio.ByteBuffer;

/**
 * One grow-only direct buffer per process group, lent to one collective at a time (the group runs
 * one collective at a time). Grows to the largest size asked for, in powers of two.
 */
public final class Scratch {
  private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

  /** A tensor over the start of the buffer; its contents are undefined. */
  public Tensor tensor(DataType type, int count) {
    int bytes = Math.multiplyExact(count, type.bytes());
    if (buffer.capacity() < bytes) {
      int grown = Math.max(bytes, Integer.highestOneBit(Math.max(1, bytes - 1)) << 1);
      buffer = ByteBuffer.allocateDirect(grown > 0 ? grown : bytes);
    }
    return Tensor.of(buffer, type, count);
  }
}
