package dev.cohort.comm.collective;

import dev.cohort.comm.AllReduceAlgorithm;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;

/**
 * Recursive doubling for small messages: log2(p) steps, each swapping the whole vector with the
 * partner at distance 1, 2, 4, ... and combining. Moves more bytes than a ring but needs the fewest
 * message latencies, which is what matters below a few tens of KiB. Both partners combine the same
 * two values (a + b and b + a are the same bits), so results stay identical.
 */
public final class AllReduceRecursiveDoubling implements AllReduceSchedule {

  @Override
  public AllReduceAlgorithm algorithm() {
    return AllReduceAlgorithm.RECURSIVE_DOUBLING;
  }

  @Override
  public void run(CollectiveContext c, Tensor t, ReduceOp op) {
    PowerOfTwoFold.allReduce(
        c,
        t,
        op,
        fold ->
            v -> {
              // The outgoing copy keeps what this rank sends apart from what it is reducing into.
              Tensor outgoing = c.scratch(t.type(), t.count());
              for (int k = 0, d = 1; d < fold.p; k++, d *= 2) {
                int partner = fold.realRank(v ^ d);
                outgoing.bytes().put(t.bytes());
                c.run(c.send(partner, outgoing, k), c.recvReduce(partner, t, op, k));
              }
            });
  }
}
