package dev.cohort.train.metrics;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Arrays;

/**
 * How a mixture of experts routed, over every worker and every layer: for one step in metrics.csv,
 * for the whole run in summary.json.
 *
 * @param tokensPerExpert routing choices made for each expert, summed over the layers, before
 *     dropping: the demand on each (its seated tokens are these less its share of {@code dropped})
 * @param dropped choices dropped for want of capacity
 * @param choices choices made (tokens times k times layers)
 * @param auxLoss the load-balancing loss as added to the training loss, {@code α E Σ fᵢ Pᵢ}, mean
 *     over layers, workers and steps: α for a perfectly even routing, up to α E when every token
 *     goes to one expert
 * @param busiestOverMean in each layer the busiest expert's demand over the mean expert's, then the
 *     mean over the layers: 1 when perfectly balanced, E when one expert takes every choice
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExpertLoad(
    long[] tokensPerExpert, long dropped, long choices, double auxLoss, double busiestOverMean) {
  /** The share of choices dropped. */
  @JsonProperty("dropped_fraction")
  public double droppedFraction() {
    return choices == 0 ? 0 : (double) dropped / choices;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExpertLoad e
        && Arrays.equals(tokensPerExpert, e.tokensPerExpert)
        && dropped == e.dropped
        && choices == e.choices
        && Double.compare(auxLoss, e.auxLoss) == 0
        && Double.compare(busiestOverMean, e.busiestOverMean) == 0;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(tokensPerExpert) + Long.hashCode(dropped + 7 * choices);
  }

  @Override
  public String toString() {
    return "ExpertLoad"
        + Arrays.toString(tokensPerExpert)
        + ", dropped "
        + dropped
        + " of "
        + choices
        + ", aux "
        + auxLoss
        + ", busiest/mean "
        + busiestOverMean;
  }
}
