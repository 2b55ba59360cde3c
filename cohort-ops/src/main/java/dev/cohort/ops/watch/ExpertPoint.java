package dev.cohort.ops.watch;

/**
 * A mixture of experts' routing at one step, as rank 0's metrics.csv records it: each expert's
 * demand summed over the layers, the share of choices dropped and the busiest expert's demand over
 * the mean.
 */
public record ExpertPoint(long step, long[] tokens, double dropped, double busiestOverMean) {
  static ExpertPoint of(CsvTail.Row r, int experts) {
    long[] tokens = new long[experts];
    for (int e = 0; e < experts; e++) {
      tokens[e] = r.whole("expert_" + e);
    }
    return new ExpertPoint(
        r.whole("step"), tokens, r.number("dropped"), r.number("busiest_over_mean"));
  }
}
