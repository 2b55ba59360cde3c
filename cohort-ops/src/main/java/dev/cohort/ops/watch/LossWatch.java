package dev.cohort.ops.watch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Watches a rank's losses as they come: the first that is not finite (NaN or infinite) and spikes.
 * A spike is a loss more than {@value #SPIKE_RATIO} times the median of the {@value #WINDOW} before
 * it and more than {@value #SPIKE_DEVIATIONS} robust deviations above it (1.4826 times the median
 * absolute deviation): a small batch's loss is noisy, and noise alone must not raise it. Both are
 * remembered (the last {@value #KEEP} spikes), so an alert outlives the step that raised it.
 */
final class LossWatch {
  static final int WINDOW = 50;
  static final int MIN_WINDOW = 20;
  static final double SPIKE_RATIO = 2.0;
  static final double SPIKE_DEVIATIONS = 6.0;
  static final int KEEP = 5;

  /** A loss out of line: at {@code step}, {@code loss} against the {@code median} before it. */
  record Spike(long step, double loss, double median) {}

  private final ArrayDeque<Double> window = new ArrayDeque<>();
  private final List<Spike> spikes = new ArrayList<>();
  private StepPoint firstNonFinite;

  void add(StepPoint p) {
    double loss = p.loss();
    if (!Double.isFinite(loss)) {
      if (firstNonFinite == null) {
        firstNonFinite = p;
      }
      return;
    }
    if (window.size() >= MIN_WINDOW) {
      double[] sorted = window.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double median = median(sorted);
      double[] deviations = new double[sorted.length];
      for (int i = 0; i < sorted.length; i++) {
        deviations[i] = Math.abs(sorted[i] - median);
      }
      Arrays.sort(deviations);
      double spread = 1.4826 * median(deviations);
      if (median > 0 && loss > SPIKE_RATIO * median && loss - median > SPIKE_DEVIATIONS * spread) {
        spikes.add(new Spike(p.step(), loss, median));
        if (spikes.size() > KEEP) {
          spikes.remove(0);
        }
      }
    }
    window.addLast(loss);
    if (window.size() > WINDOW) {
      window.removeFirst();
    }
  }

  void clear() {
    window.clear();
    spikes.clear();
    firstNonFinite = null;
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The first step whose loss was NaN or infinite, or null. */
  StepPoint firstNonFinite() {
    return firstNonFinite;
  }

  List<Spike> spikes() {
    return List.copyOf(spikes);
  }
}
