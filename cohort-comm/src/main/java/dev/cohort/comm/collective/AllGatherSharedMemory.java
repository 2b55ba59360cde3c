package dev.cohort.comm.collective;

import dev.cohort.comm.DataType;
import dev.cohort.comm.Tensor;
import java.nio.ByteBuffer;

/**
 * Zero-copy all-gather into a tensor that every rank of a single-host group maps (see {@link
 * dev.cohort.comm.ProcessGroup#allocate}): rank r writes its block straight into block r of all n
 * outputs. An agreement (every rank has entered, so no output is being read) and an exit barrier
 * (every block is everywhere) bracket the pass, as for {@link AllReduceSharedMemory}.
 */
public final class AllGatherSharedMemory {
  /**
   * @param byRank every rank's mapping of the output's shared buffer
   * @param slot the shared allocation's number, checked to be the same on every rank
   * @param offset byte offset of the output within the buffer
   * @param count the output's elements, n equal blocks
   * @param in this rank's block (may be block r of its own output)
   */
  public void run(
      CollectiveContext c,
      ByteBuffer[] byRank,
      int slot,
      int offset,
      DataType type,
      int count,
      Tensor in) {
    AllReduceSharedMemory.agree(
        c, "all-gathers", new long[] {slot, offset, count, type.ordinal(), -1});
    int at = offset + c.rank() * in.byteSize();
    ByteBuffer block = in.bytes();
    for (ByteBuffer output : byRank) {
      // Onto itself when the block is this rank's own block of the output: a harmless move.
      output.duplicate().clear().position(at).limit(at + in.byteSize()).put(block.duplicate());
    }
    new BarrierDissemination().run(c);
  }
}
