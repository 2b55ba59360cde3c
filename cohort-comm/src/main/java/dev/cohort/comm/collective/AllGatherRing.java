package dev.cohort.comm.collective;

import dev.cohort.comm.Tensor;
import dev.cohort.comm.transport.Transfer;
import java.util.ArrayList;

/**
 * Ring all-gather: each rank copies its block into its slot of the output, then n-1 ring steps pass
 * every block around, pipelined in pieces.
 */
public final class AllGatherRing {

  public void run(CollectiveContext c, Tensor in, Tensor out) {
    int block = in.count();
    out.slice(c.rank() * block, block).bytes().put(in.bytes());
    if (c.size() == 1) {
      return;
    }
    // With shift -1 a rank "owns" its own slot, which is exactly where its input now sits.
    RingSchedule ring = new RingSchedule(c, out, -1);
    var transfers = new ArrayList<Transfer>();
    ring.allGather(null, transfers);
    c.run(transfers);
  }
}
