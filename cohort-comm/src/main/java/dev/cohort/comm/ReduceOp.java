package dev.cohort.comm;

/**
 * How all-reduce and reduce-scatter combine elements. AVG sums, then divides by the group size on
 * every rank the same way (integer division for integer types), so results stay bit-identical.
 */
public enum ReduceOp {
  SUM,
  AVG,
  MIN,
  MAX
}
