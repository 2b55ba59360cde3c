package dev.cohort.train.moe;

/**
 * Routing totals of a layer's forwards: tokens per expert, dropped choices, load-balancing loss.
 */
public final class MoeLoad {
  /**
   * @param perExpert choices made for each expert, before dropping (the demand on it)
   * @param dropped choices dropped for want of capacity
   * @param choices choices made (tokens times k)
   * @param auxLoss the load-balancing loss summed over the forwards
   * @param forwards forwards counted
   */
  public record Totals(long[] perExpert, long dropped, long choices, double auxLoss, int forwards) {
    /** The sum of two totals (another layer's, another worker's). */
    public Totals plus(Totals o) {
      long[] sum = perExpert.clone();
      for (int i = 0; i < sum.length; i++) {
        sum[i] += o.perExpert[i];
      }
      return new Totals(
          sum,
          dropped + o.dropped,
          choices + o.choices,
          auxLoss + o.auxLoss,
          forwards + o.forwards);
    }

    /** Nothing counted, for E experts. */
    public static Totals none(int experts) {
      return new Totals(new long[experts], 0, 0, 0, 0);
    }
  }

  private Totals totals;

  MoeLoad(int experts) {
    totals = Totals.none(experts);
  }

  void add(Routing r, float auxLoss) {
    totals =
        totals.plus(
            new Totals(r.routed().clone(), r.dropped(), (long) r.tokens() * r.topK(), auxLoss, 1));
  }

  Totals drain() {
    Totals out = totals;
    totals = Totals.none(out.perExpert().length);
    return out;
  }
}
