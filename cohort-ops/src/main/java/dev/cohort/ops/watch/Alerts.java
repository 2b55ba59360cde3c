package dev.cohort.ops.watch;

import dev.cohort.train.metrics.MemoryReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The rules that raise {@link Alert alerts} from a run as watched:
 *
 * <ul>
 *   <li>a loss that is NaN or infinite, on any rank (it stays raised);
 *   <li>a loss spike: rank 0's loss over {@value LossWatch#SPIKE_RATIO} times the median of the
 *       {@value LossWatch#WINDOW} steps before it;
 *   <li>a straggler: over the last {@value #WINDOW} steps, the ranks of a stage wait for one of
 *       them for more than {@value #STRAGGLER_SHARE} of a step (and at least {@value
 *       #STRAGGLER_MIN_MS} ms) longer than it waits for them;
 *   <li>a heartbeat gap, while the run is live: a rank without a step for {@value #GAP_STEPS}
 *       median steps, and at least {@value #GAP_MIN_MS} ms ({@value #GAP_AFTER_EPOCH_MS} ms after
 *       an epoch's last step, when the workers evaluate);
 *   <li>memory: a worker's tracked memory at {@value #MEMORY_SHARE} of the budget, or the workers'
 *       resident memory together at that share of the machine's.
 * </ul>
 */
public final class Alerts {
  static final int WINDOW = 20;
  static final double STRAGGLER_SHARE = 0.2;
  static final double STRAGGLER_MIN_MS = 5;
  static final int GAP_STEPS = 20;
  static final long GAP_MIN_MS = 15_000;
  static final long GAP_AFTER_EPOCH_MS = 120_000;
  static final double MEMORY_SHARE = 0.9;

  private Alerts() {}

  /**
   * The alerts now.
   *
   * @param nowMillis the wall clock
   * @param live whether workers are still running (a finished run raises no heartbeat gaps)
   * @param hostBytes the machine's memory (0: unknown)
   */
  public static List<Alert> of(RunWatch watch, long nowMillis, boolean live, long hostBytes) {
    synchronized (watch) {
      List<Alert> alerts = new ArrayList<>();
      watch
          .nonFinite()
          .forEach(
              (rank, p) ->
                  alerts.add(
                      new Alert(
                          Alert.Kind.NAN,
                          rank,
                          p.step(),
                          "loss is "
                              + p.loss()
                              + " at step "
                              + p.step()
                              + " on rank "
                              + rank
                              + ": training has diverged (lower --lr, or clip with"
                              + " --clip-grad-norm)")));
      for (LossWatch.Spike s : watch.spikes()) {
        alerts.add(
            new Alert(
                Alert.Kind.SPIKE,
                0,
                s.step(),
                String.format(
                    Locale.ROOT,
                    "loss spike at step %d: %.4f, %.1fx the median %.4f of the steps before",
                    s.step(),
                    s.loss(),
                    s.loss() / s.median(),
                    s.median())));
      }
      List<RankHistory> ranks = watch.ranks();
      int stages = watch.files().stages();
      for (int stage = 0; stage < stages; stage++) {
        straggler(ranks, stages, stage).ifPresent(alerts::add);
      }
      if (live) {
        RunFiles files = watch.files();
        int perEpoch =
            files.config() == null || files.config().stepsPerEpoch() == null
                ? 0
                : files.config().stepsPerEpoch();
        for (RankHistory r : ranks) {
          gap(r, nowMillis, perEpoch, files.totalSteps()).ifPresent(alerts::add);
        }
      }
      memory(watch.files().memory(), ranks, hostBytes, alerts);
      return alerts;
    }
  }

  private static Optional<Alert> straggler(List<RankHistory> ranks, int stages, int stage) {
    List<RankHistory> group =
        ranks.stream()
            .filter(r -> r.rank() % stages == stage && r.last(WINDOW).size() >= 5)
            .toList();
    if (group.size() < 2) {
      return Optional.empty();
    }
    double[] wait =
        group.stream().mapToDouble(r -> mean(r.last(WINDOW), StepPoint::waitMs)).toArray();
    double step =
        group.stream()
            .mapToDouble(r -> mean(r.last(WINDOW), StepPoint::stepMs))
            .average()
            .orElse(0);
    int slow = 0;
    for (int i = 1; i < wait.length; i++) {
      if (wait[i] < wait[slow]) {
        slow = i;
      }
    }
    double others = 0;
    for (int i = 0; i < wait.length; i++) {
      others += i == slow ? 0 : wait[i];
    }
    others /= wait.length - 1;
    double lag = others - wait[slow];
    if (lag <= Math.max(STRAGGLER_MIN_MS, STRAGGLER_SHARE * step)) {
      return Optional.empty();
    }
    RankHistory r = group.get(slow);
    return Optional.of(
        new Alert(
            Alert.Kind.STRAGGLER,
            r.rank(),
            r.latest().step(),
            String.format(
                Locale.ROOT,
                "rank %d is a straggler: the others wait %.1f ms a step for it, of %.1f ms"
                    + " (it waits %.1f ms), over the last %d steps",
                r.rank(),
                others,
                step,
                wait[slow],
                r.last(WINDOW).size())));
  }

  private static Optional<Alert> gap(
      RankHistory r, long nowMillis, int stepsPerEpoch, long totalSteps) {
    StepPoint last = r.latest();
    if (last == null || last.timeMillis() < 0) {
      return Optional.empty(); // no wall clock (a run of an older version): nothing to tell
    }
    double[] times = r.last(WINDOW).stream().mapToDouble(StepPoint::stepMs).sorted().toArray();
    double median = times[times.length / 2];
    long silent = nowMillis - last.timeMillis();
    // After an epoch's last step, or the run's, the workers evaluate (and save the model): longer.
    boolean epochEnd =
        stepsPerEpoch > 0 && (last.step() + 1) % stepsPerEpoch == 0
            || last.step() + 1 == totalSteps;
    long least = epochEnd ? GAP_AFTER_EPOCH_MS : GAP_MIN_MS;
    if (silent < Math.max(least, GAP_STEPS * median)) {
      return Optional.empty();
    }
    return Optional.of(
        new Alert(
            Alert.Kind.HEARTBEAT,
            r.rank(),
            last.step(),
            String.format(
                Locale.ROOT,
                "rank %d has not finished a step for %.0f s (its last was step %d; steps take"
                    + " %.0f ms): hung, or waiting for a rank that is",
                r.rank(),
                silent / 1e3,
                last.step(),
                median)));
  }

  private static void memory(
      MemoryReport report, List<RankHistory> ranks, long hostBytes, List<Alert> alerts) {
    if (report != null && report.budgetBytes() > 0) {
      for (MemoryReport.Worker w : report.workers()) {
        long held = w.tracked().total();
        if (held >= MEMORY_SHARE * report.budgetBytes()) {
          alerts.add(
              new Alert(
                  Alert.Kind.MEMORY,
                  w.rank(),
                  -1,
                  String.format(
                      Locale.ROOT,
                      "rank %d holds %.1f MiB, %.0f%% of the --memory-budget %.1f MiB",
                      w.rank(),
                      held / 1048576.0,
                      100.0 * held / report.budgetBytes(),
                      report.budgetBytes() / 1048576.0)));
        }
      }
    }
    long resident =
        ranks.stream()
            .map(RankHistory::latest)
            .filter(p -> p != null && p.rssBytes() > 0)
            .mapToLong(StepPoint::rssBytes)
            .sum();
    if (hostBytes > 0 && resident >= MEMORY_SHARE * hostBytes) {
      alerts.add(
          new Alert(
              Alert.Kind.MEMORY,
              -1,
              -1,
              String.format(
                  Locale.ROOT,
                  "the workers hold %.1f GiB resident, %.0f%% of this machine's %.1f GiB",
                  resident / 1073741824.0,
                  100.0 * resident / hostBytes,
                  hostBytes / 1073741824.0)));
    }
  }

  private static double mean(List<StepPoint> points, ToDoubleFunction<StepPoint> f) {
    return points.stream().mapToDouble(f).average().orElse(0);
  }
}
