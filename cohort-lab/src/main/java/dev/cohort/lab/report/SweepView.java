package dev.cohort.lab.report;

import dev.cohort.lab.net.NetworkCondition;
import dev.cohort.lab.sweep.RunResult;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Questions the report asks of a sweep's runs: groups, baselines, speedups, costs. */
final class SweepView {
  /** Samples in one Fashion-MNIST training epoch, the unit of the cost plot. */
  static final int EPOCH_SAMPLES = 60_000;

  private final List<RunResult> runs;

  SweepView(List<RunResult> runs) {
    this.runs = List.copyOf(runs);
  }

  List<RunResult> runs() {
    return runs;
  }

  List<RunResult> group(String g) {
    return runs.stream().filter(r -> r.spec().group().equals(g)).toList();
  }

  List<String> groups() {
    return List.copyOf(new LinkedHashSet<>(runs.stream().map(r -> r.spec().group()).toList()));
  }

  List<String> networks(List<RunResult> rs) {
    return List.copyOf(new LinkedHashSet<>(rs.stream().map(r -> r.spec().network()).toList()));
  }

  /** The single-worker run that speedups are measured against. */
  RunResult baseline() {
    return group("scaling").stream().filter(r -> r.spec().workers() == 1).findFirst().orElse(null);
  }

  Optional<Double> baselineThroughput() {
    return Optional.ofNullable(baseline()).map(r -> throughput(r, false));
  }

  Optional<RunResult> twoWorkersNoNetwork() {
    return group("scaling").stream()
        .filter(r -> r.spec().workers() == 2 && r.spec().network().equals("none"))
        .findFirst();
  }

  /** Samples per second over all workers, from the median step (measured or predicted). */
  double throughput(RunResult r, boolean predicted) {
    double seconds = predicted ? r.predicted().step() : r.measured().stepMs() / 1e3;
    return r.spec().globalBatch() / seconds;
  }

  double speedup(RunResult r, boolean predicted) {
    return throughput(r, predicted) / throughput(baseline(), predicted);
  }

  /** What one epoch costs: every worker's node for the epoch's duration. */
  double epochCost(RunResult r, boolean predicted, double pricePerNodeHour) {
    return r.spec().workers() * EPOCH_SAMPLES / throughput(r, predicted) / 3600 * pricePerNodeHour;
  }

  double latencyMs(RunResult r) {
    return NetworkCondition.parse(r.spec().network()).latencyMs();
  }

  double rateMbit(RunResult r) {
    return NetworkCondition.parse(r.spec().network()).rateMbit();
  }

  /** True for runs that scale the learning rate with the batch and warm up. */
  boolean scaled(RunResult r) {
    return r.spec().warmup() > 0;
  }

  String batchLabel(RunResult r) {
    return String.format(
        Locale.ROOT,
        "B=%d lr=%s%s",
        r.spec().globalBatch(),
        r.spec().lr(),
        scaled(r) ? " warm-up" : "");
  }

  /**
   * Seconds of training until test accuracy first reaches {@code target}, interpolated; NaN if
   * never.
   */
  static double timeTo(RunResult r, double target) {
    List<Double> acc = r.measured().testAccuracy();
    List<Double> t = r.measured().epochSeconds();
    double prevAcc = 0;
    double prevT = 0;
    for (int e = 0; e < acc.size(); e++) {
      if (acc.get(e) >= target) {
        double f = (target - prevAcc) / Math.max(1e-9, acc.get(e) - prevAcc);
        return prevT + f * (t.get(e) - prevT);
      }
      prevAcc = acc.get(e);
      prevT = t.get(e);
    }
    return Double.NaN;
  }
}
