package dev.cohort.train.split;

import dev.cohort.train.metrics.ExpertLoad;
import dev.cohort.train.moe.MoeFeedForward;
import dev.cohort.train.moe.MoeLoad;
import dev.cohort.train.tensor.SplitGpt;
import dev.cohort.train.tensor.TensorParallelLayer;
import java.util.List;

/**
 * A mixture of experts' routing, step by step and over the run: each step every rank drains its
 * layers' routing into a slice of the step's all-reduced sums (the balancing loss, the dropped and
 * the made choices, each layer's demand on each expert), and the world's sums become the step's
 * {@link ExpertLoad}. Balance is judged layer by layer: expert i of one layer and expert i of
 * another are unrelated.
 */
final class RoutingRecord {
  private final List<TensorParallelLayer> moeLayers;
  private final int layers;
  private final int experts;
  private final long[][] demand; // the run's, per layer and expert
  private long dropped;
  private long choices;
  private double auxLoss; // summed over steps
  private int steps;

  RoutingRecord(SplitGpt gpt, int experts) {
    this.moeLayers = gpt.layers();
    this.layers = moeLayers.size();
    this.experts = experts;
    this.demand = new long[layers][experts];
  }

  /** Values this record adds to a step's sums. */
  int size() {
    return 3 + layers * experts;
  }

  /** Drains this rank's layers' routing since the last step into {@code sums[at..]}. */
  void fill(double[] sums, int at) {
    double aux = 0;
    for (int l = 0; l < layers; l++) {
      TensorParallelLayer layer = moeLayers.get(l);
      MoeLoad.Totals t = ((MoeFeedForward) layer.feedForward()).drainLoad();
      aux += t.forwards() == 0 ? 0 : t.auxLoss() / t.forwards();
      sums[at + 1] += t.dropped();
      sums[at + 2] += t.choices();
      for (int e = 0; e < experts; e++) {
        sums[at + 3 + l * experts + e] = t.perExpert()[e];
      }
    }
    sums[at] = aux / layers;
  }

  /** The step's routing from the world's {@code sums[at..]} over {@code workers} ranks. */
  ExpertLoad step(double[] sums, int at, int workers) {
    long[][] step = new long[layers][experts];
    for (int l = 0; l < layers; l++) {
      for (int e = 0; e < experts; e++) {
        step[l][e] = Math.round(sums[at + 3 + l * experts + e]);
        demand[l][e] += step[l][e];
      }
    }
    long stepDropped = Math.round(sums[at + 1]);
    long stepChoices = Math.round(sums[at + 2]);
    dropped += stepDropped;
    choices += stepChoices;
    auxLoss += sums[at] / workers;
    steps++;
    return new ExpertLoad(
        perExpert(step), stepDropped, stepChoices, sums[at] / workers, busiestOverMean(step));
  }

  /** The run's routing so far; null before the first step. */
  ExpertLoad total() {
    return steps == 0
        ? null
        : new ExpertLoad(
            perExpert(demand), dropped, choices, auxLoss / steps, busiestOverMean(demand));
  }

  private long[] perExpert(long[][] byLayer) {
    long[] out = new long[experts];
    for (long[] layer : byLayer) {
      for (int e = 0; e < experts; e++) {
        out[e] += layer[e];
      }
    }
    return out;
  }

  /** The busiest expert's demand over the mean expert's, layer by layer, then the mean. */
  private double busiestOverMean(long[][] byLayer) {
    double sum = 0;
    for (long[] layer : byLayer) {
      long max = 0;
      long all = 0;
      for (long d : layer) {
        max = Math.max(max, d);
        all += d;
      }
      sum += all == 0 ? 0 : (double) max * experts / all;
    }
    return sum / layers;
  }
}
