package dev.cohort.comm.collective;

import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;

/**
 * One all-reduce schedule. Implementations combine with {@code op} (AVG arrives as SUM; the caller
 * divides afterwards) and must leave bit-identical results on every rank.
 */
public interface AllReduceAlgorithm {

  /** Name used in configuration and benchmarks, e.g. "ring". */
  String name();

  void run(CollectiveContext c, Tensor t, ReduceOp op);
}
