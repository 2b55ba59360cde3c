package dev.cohort.comm.collective;

/**
 * Splits {@code count} elements into {@code parts} contiguous segments whose sizes differ by at
 * most one, the first {@code count % parts} being the larger. Every rank computes the same split.
 */
record Partition(int count, int parts) {

  int offset(int i) {
    int base = count / parts;
    int extra = count % parts;
    return i * base + Math.min(i, extra);
  }

  int length(int i) {
    return count / parts + (i < count % parts ? 1 : 0);
  }
}
