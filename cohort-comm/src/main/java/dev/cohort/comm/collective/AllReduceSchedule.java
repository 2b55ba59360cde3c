package dev.cohort.comm.collective;

import dev.cohort.comm.AllReduceAlgorithm;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;

/**
 * One all-reduce schedule, the implementation of an {@link AllReduceAlgorithm}. Implementations
 * combine with {@code op} (AVG arrives as SUM; the caller divides afterwards) and must leave
 * bit-identical results on every rank.
 */
public interface AllReduceSchedule {

  /** The algorithm this schedule runs. */
  AllReduceAlgorithm algorithm();

  void run(CollectiveContext c, Tensor t, ReduceOp op);
}
