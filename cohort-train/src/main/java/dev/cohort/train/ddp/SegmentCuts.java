package dev.cohort.train.ddp;

import java.util.Arrays;

/**
 * Where to cut a row of blocks into contiguous segments: the heaviest segment as light as possible
 * (weights are parameter counts: what a segment has to all-reduce), and among the cuts that achieve
 * it, the last segment as small as possible, then the one before it, and so on. A small last
 * segment finishes its backward first, so communication starts early.
 */
final class SegmentCuts {
  private SegmentCuts() {}

  /**
   * Cuts {@code weights} (one per block, none negative) into {@code count} non-empty segments.
   *
   * @return each segment's end (exclusive), ascending; the last is {@code weights.length}
   * @throws IllegalArgumentException if {@code count} is not in 1..weights.length
   */
  static int[] balanced(long[] weights, int count) {
    int n = weights.length;
    if (count < 1 || count > n) {
      throw new IllegalArgumentException(
          "cannot cut " + n + " blocks into " + count + " non-empty segments");
    }
    long[] prefix = new long[n + 1];
    for (int i = 0; i < n; i++) {
      prefix[i + 1] = prefix[i] + weights[i];
    }
    // best[k][i]: the lightest heaviest segment when the first i blocks make k segments.
    long[][] best = new long[count + 1][n + 1];
    for (long[] row : best) {
      Arrays.fill(row, Long.MAX_VALUE);
    }
    best[0][0] = 0;
    for (int k = 1; k <= count; k++) {
      for (int i = k; i <= n; i++) {
        for (int j = k - 1; j < i; j++) {
          if (best[k - 1][j] != Long.MAX_VALUE) {
            best[k][i] = Math.min(best[k][i], Math.max(best[k - 1][j], prefix[i] - prefix[j]));
          }
        }
      }
    }
    // Walk back from the end, starting each segment as late as the optimum allows.
    int[] ends = new int[count];
    long limit = best[count][n];
    int end = n;
    for (int k = count; k >= 1; k--) {
      ends[k - 1] = end;
      int start = k - 1;
      for (int j = end - 1; j >= k - 1; j--) {
        if (prefix[end] - prefix[j] <= limit && best[k - 1][j] <= limit) {
          start = j;
          break;
        }
      }
      end = start;
    }
    return ends;
  }
}
