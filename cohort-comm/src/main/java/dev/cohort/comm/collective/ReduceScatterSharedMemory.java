package dev.cohort.comm.collective;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import java.nio.ByteBuffer;

/**
 * Zero-copy reduce-scatter of a tensor that every rank of a single-host group maps (see {@link
 * dev.cohort.comm.ProcessGroup#allocate}): rank r reduces block r straight out of all n buffers
 * into its own buffer's block r (so the input's block r is overwritten), then copies it to its
 * output (onto itself when the output is that block). Each rank reads each byte of its block n
 * times and no byte goes through a message; an agreement and an exit barrier bracket the pass, as
 * for {@link AllReduceSharedMemory}.
 */
public final class ReduceScatterSharedMemory {
  /**
   * @param byRank every rank's mapping of the input's shared buffer
   * @param slot the shared allocation's number, checked to be the same on every rank
   * @param offset byte offset of the input within the buffer
   * @param count the input's elements, n equal blocks
   * @param out this rank's block of the result
   */
  public void run(
      CollectiveContext c,
      ByteBuffer[] byRank,
      int slot,
      int offset,
      DataType type,
      int count,
      ReduceOp op,
      Tensor out) {
    AllReduceSharedMemory.agree(
        c, "reduce-scatters", new long[] {slot, offset, count, type.ordinal(), op.ordinal()});
    int block = count / c.size();
    int from = offset + c.rank() * block * type.bytes();
    ByteBuffer mine = byRank[c.rank()];
    Reductions.reduceMany(type, op, byRank, new ByteBuffer[] {mine}, from, block);
    out.bytes().put(mine.duplicate().clear().position(from).limit(from + block * type.bytes()));
    new BarrierDissemination().run(c);
  }
}
