package dev.cohort.comm.collective;

import dev.cohort.comm.DataType;
import java.nio.ByteBuffer;

/**
 * Zero-copy broadcast of a tensor that every rank of a single-host group maps (see {@link
 * dev.cohort.comm.ProcessGroup#allocate}): once every rank has entered (so the root's values are
 * written and no one reads its own copy), each other rank copies the root's straight out of the
 * root's mapping; an exit barrier keeps the root from changing them before all have. No bytes go
 * through a ring buffer, and no rank waits on a chain of forwarders as in a tree.
 */
public final class BroadcastSharedMemory {
  /**
   * @param byRank every rank's mapping of the tensor's shared buffer
   * @param slot the shared allocation's number, checked to be the same on every rank
   * @param offset byte offset of the tensor within the buffer
   * @param bytes the tensor's size in bytes
   */
  public void run(
      CollectiveContext c,
      ByteBuffer[] byRank,
      int slot,
      int offset,
      DataType type,
      int count,
      int bytes,
      int root) {
    AllReduceSharedMemory.agree(
        c, "broadcasts", new long[] {slot, offset, count, type.ordinal(), root});
    if (c.rank() != root) {
      ByteBuffer from = byRank[root].duplicate().clear().position(offset).limit(offset + bytes);
      byRank[c.rank()].duplicate().clear().position(offset).limit(offset + bytes).put(from);
    }
    new BarrierDissemination().run(c);
  }
}
