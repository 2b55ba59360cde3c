package dev.cohort.comm.collective;

import dev.cohort.comm.AllReduceAlgorithm;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.transport.Transfer;
import java.util.ArrayList;
import java.util.List;

/**
 * Ring all-reduce: a reduce-scatter ring, then an all-gather ring, each rank moving 2(n-1)/n of the
 * data, which is bandwidth-optimal. Both phases go into one exchange so the all-gather of the first
 * pieces starts while the last pieces are still being reduced. Each segment is reduced by exactly
 * one rank and copied to the others, hence bit-identical results.
 */
public final class AllReduceRing implements AllReduceSchedule {

  @Override
  public AllReduceAlgorithm algorithm() {
    return AllReduceAlgorithm.RING;
  }

  @Override
  public void run(CollectiveContext c, Tensor t, ReduceOp op) {
    if (c.size() == 1) {
      return;
    }
    RingSchedule ring = new RingSchedule(c, t, 0);
    List<Transfer> transfers = new ArrayList<>();
    // Phase 1: after n-1 steps this rank holds one segment reduced over all ranks.
    List<Transfer> owned = ring.reduceScatter(op, transfers);
    // Phase 2: pass the reduced segments around until every rank has all of them.
    ring.allGather(owned, transfers);
    c.run(transfers);
  }
}
