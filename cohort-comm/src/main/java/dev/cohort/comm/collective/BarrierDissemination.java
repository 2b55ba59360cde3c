package dev.cohort.comm.collective;

import dev.cohort.comm.DataType;
import dev.cohort.comm.Tensor;

/**
 * Dissemination barrier: in round k each rank signals rank + 2^k and waits for rank - 2^k; after
 * ceil(log2 n) rounds every rank has heard, directly or not, from every other.
 */
public final class BarrierDissemination {
  private static final Tensor EMPTY = Tensor.allocate(DataType.INT32, 0);

  public void run(CollectiveContext c) {
    int n = c.size();
    for (int k = 0, d = 1; d < n; k++, d *= 2) {
      c.run(c.send((c.rank() + d) % n, EMPTY, k), c.recv((c.rank() - d + n) % n, EMPTY, k));
    }
  }
}
