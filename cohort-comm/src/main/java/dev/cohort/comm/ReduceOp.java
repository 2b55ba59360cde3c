package dev.cohort.comm;

import dev.cohort.comm.collective.Reductions;
import java.nio.ByteBuffer;

/**
 * How all-reduce and reduce-scatter combine elements. AVG sums, then divides by the group size on
 * every rank the same way (integer division for integer types), so results stay bit-identical.
 */
public enum ReduceOp {
  SUM,
  AVG,
  MIN,
  MAX;

  /**
   * Combines {@code in} into {@code acc} element-wise, {@code acc[i] = op(acc[i], in[i])}, with the
   * kernel the collectives use; how a tool measures the reduction speed (γ) of this host. AVG
   * combines as SUM here: the division belongs to the collective. Elements start at index 0 of each
   * buffer, in native byte order; positions are ignored and left alone.
   *
   * @throws IllegalArgumentException if {@code count} is negative or a buffer's limit leaves less
   *     than {@code count} elements
   */
  public void reduceInto(DataType type, ByteBuffer acc, ByteBuffer in, int count) {
    long need = (long) count * type.bytes();
    if (count < 0 || need > acc.limit() || need > in.limit()) {
      throw new IllegalArgumentException(
          "reducing "
              + count
              + " x "
              + type
              + " needs "
              + need
              + " bytes in each buffer; acc holds "
              + acc.limit()
              + ", in holds "
              + in.limit());
    }
    Reductions.reduceInto(type, this, acc, 0, in, 0, count);
  }
}
