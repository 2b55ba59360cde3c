package dev.cohort.comm.collective;

import dev.cohort.comm.CollectiveMismatchException;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Zero-copy all-reduce for tensors that every rank of a single-host group maps (see {@link
 * dev.cohort.comm.ProcessGroup#allocate}). Rank r reduces segment r straight out of all n buffers
 * and writes the result straight into all n: each rank reads and writes each byte of the tensor
 * once, instead of pushing it through rings as copies. Two small messages bracket the pass: an
 * agreement on what is being reduced (which also tells every rank that all inputs are ready) and an
 * exit barrier (after which all segments are everywhere).
 */
public final class AllReduceSharedMemory {
  private static final int WORDS = 5;

  /**
   * @param byRank every rank's mapping of the shared buffer
   * @param slot the shared allocation's number, checked to be the same on every rank
   * @param offset byte offset of the tensor within the buffer
   */
  public void run(
      CollectiveContext c,
      ByteBuffer[] byRank,
      int slot,
      int offset,
      DataType type,
      int count,
      ReduceOp op) {
    agree(c, "all-reduces", new long[] {slot, offset, count, type.ordinal(), op.ordinal()});
    Partition segments = new Partition(count, c.size());
    int from = segments.offset(c.rank());
    Reductions.reduceMany(
        type, op, byRank, byRank, offset + from * type.bytes(), segments.length(c.rank()));
    new BarrierDissemination().run(c);
  }

  /**
   * Checks that every rank passes the same shared tensor and operation ({@code mine}: slot, byte
   * offset, count, data type, operation or -1); returning also tells every rank that all have
   * entered the collective, so that their buffers are ready to be read and written.
   *
   * @param verb how errors name the collective, e.g. "all-gathers"
   */
  static void agree(CollectiveContext c, String verb, long[] mine) {
    long[] all = SmallGather.longs(c, mine);
    for (int r = 0; r < c.size(); r++) {
      long[] other = Arrays.copyOfRange(all, r * WORDS, (r + 1) * WORDS);
      if (!Arrays.equals(mine, other)) {
        throw new CollectiveMismatchException(
            "rank "
                + c.rank()
                + " "
                + verb
                + " shared tensor "
                + describe(mine)
                + " but rank "
                + r
                + " passed "
                + describe(other)
                + ": every rank must pass the same allocation, offset and count");
      }
    }
  }

  private static String describe(long[] w) {
    return "#"
        + w[0]
        + " at byte "
        + w[1]
        + " ("
        + w[2]
        + " x "
        + DataType.values()[(int) w[3]]
        + (w[4] < 0 ? "" : ", " + ReduceOp.values()[(int) w[4]])
        + ")";
  }
}
