package dev.cohort.comm.collective;

import dev.cohort.comm.AllReduceAlgorithm;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;

/**
 * Recursive halving then doubling (Rabenseifner): log2(p) exchange steps per phase instead of the
 * ring's n-1, with the same bandwidth-optimal volume; best for medium messages on larger groups.
 * Halving: exchange with the partner at distance d = p/2, p/4, ..., 1, keep (and reduce) one half
 * of the current range and hand over the other. Doubling retraces the steps, swapping reduced
 * halves. Non-powers of two fold in first (see {@link PowerOfTwoFold}).
 */
public final class AllReduceHalvingDoubling implements AllReduceSchedule {

  @Override
  public AllReduceAlgorithm algorithm() {
    return AllReduceAlgorithm.HALVING_DOUBLING;
  }

  @Override
  public void run(CollectiveContext c, Tensor t, ReduceOp op) {
    PowerOfTwoFold.allReduce(
        c,
        t,
        op,
        fold ->
            v -> {
              int steps = Integer.numberOfTrailingZeros(fold.p);
              int[] lo = new int[steps + 1];
              int[] hi = new int[steps + 1];
              lo[0] = 0;
              hi[0] = t.count();
              // Halving: the lower virtual rank of each pair keeps the lower half of the range.
              for (int k = 0, d = fold.p / 2; d >= 1; k++, d /= 2) {
                int partner = fold.realRank(v ^ d);
                int mid = lo[k] + (hi[k] - lo[k]) / 2;
                boolean keepLow = (v & d) == 0;
                lo[k + 1] = keepLow ? lo[k] : mid;
                hi[k + 1] = keepLow ? mid : hi[k];
                Tensor give = keepLow ? t.slice(mid, hi[k] - mid) : t.slice(lo[k], mid - lo[k]);
                Tensor keep = t.slice(lo[k + 1], hi[k + 1] - lo[k + 1]);
                c.run(c.send(partner, give, k), c.recvReduce(partner, keep, op, k));
              }
              // Doubling: swap the fully reduced parts back, in reverse order of the halving steps.
              for (int k = steps - 1, d = 1; k >= 0; k--, d *= 2) {
                int partner = fold.realRank(v ^ d);
                Tensor mine = t.slice(lo[k + 1], hi[k + 1] - lo[k + 1]);
                int otherLo = lo[k + 1] == lo[k] ? hi[k + 1] : lo[k];
                int otherHi = lo[k + 1] == lo[k] ? hi[k] : lo[k + 1];
                c.run(
                    c.send(partner, mine, steps + k),
                    c.recv(partner, t.slice(otherLo, otherHi - otherLo), steps + k));
              }
            });
  }
}
