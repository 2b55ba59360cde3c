package dev.cohort.comm.collective;

import dev.cohort.comm.DataType;
import dev.cohort.comm.Tensor;
import java.nio.ByteBuffer;

/**
 * All-gathers a few longs inside a running collective (agreement checks). Heap buffers: tiny, and
 * garbage-collected like any object, which direct buffers are not.
 */
public final class SmallGather {
  private SmallGather() {}

  /** Every rank's {@code mine}, rank after rank; all ranks must pass arrays of the same length. */
  public static long[] longs(CollectiveContext c, long[] mine) {
    int n = mine.length;
    Tensor in = Tensor.of(ByteBuffer.allocate(n * 8), DataType.INT64, n);
    in.bytes().asLongBuffer().put(mine);
    Tensor all = Tensor.of(ByteBuffer.allocate(n * 8 * c.size()), DataType.INT64, n * c.size());
    new AllGatherRing().run(c, in, all);
    long[] out = new long[n * c.size()];
    all.bytes().asLongBuffer().get(out);
    return out;
  }
}
