package dev.cohort.comm.collective;

import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.transport.Transfer;
import java.util.ArrayList;
import java.util.List;

/**
 * Ring reduce-scatter: the first phase of ring all-reduce, arranged (shift -1) so that rank r ends
 * up owning block r. The input is reduced in place, so the caller's input buffer is overwritten
 * with partial sums, as with in-place NCCL and gloo calls.
 */
public final class ReduceScatterRing {

  public void run(CollectiveContext c, Tensor in, Tensor out, ReduceOp op) {
    RingSchedule ring = new RingSchedule(c, in, -1);
    if (c.size() > 1) {
      List<Transfer> transfers = new ArrayList<>();
      ring.reduceScatter(op, transfers);
      c.run(transfers);
    }
    out.bytes().put(ring.segment(c.rank()).bytes());
  }
}
