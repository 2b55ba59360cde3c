package dev.cohort.ops.dashboard;

import dev.cohort.ops.watch.Alert;
import dev.cohort.ops.watch.ExpertPoint;
import dev.cohort.ops.watch.RankHistory;
import dev.cohort.ops.watch.RunFiles;
import dev.cohort.ops.watch.RunWatch;
import dev.cohort.ops.watch.StepPoint;
import dev.cohort.ops.watch.Strategy;
import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.RunHistory;
import dev.cohort.train.metrics.RunSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/** Builds the {@link RunView} of a watched run. Call it under the watch's lock. */
final class RunViews {
  /** At most this many points per series: a long run is thinned evenly, keeping its last step. */
  static final int MAX_POINTS = 1500;

  /** Steps the breakdown and the throughput average over. */
  static final int RECENT = 20;

  private RunViews() {}

  static RunView of(RunWatch watch, List<Alert> alerts, boolean live, long hostBytes, long now) {
    RunFiles files = watch.files();
    List<RankHistory> ranks = watch.ranks();
    int stages = files.stages();
    List<RunView.RankSeries> series = new ArrayList<>();
    for (RankHistory r : ranks) {
      List<StepPoint> p = thin(r.points());
      series.add(
          new RunView.RankSeries(
              r.rank(),
              r.rank() % stages,
              longs(p, StepPoint::step),
              doubles(p, StepPoint::loss),
              doubles(p, StepPoint::stepMs),
              doubles(p, StepPoint::waitMs),
              doubles(p, StepPoint::commMs),
              doubles(p, q -> q.rssBytes() / 1048576.0)));
    }
    RankHistory lead = ranks.isEmpty() ? null : ranks.get(0);
    StepPoint last = lead == null ? null : lead.latest();
    RunSummary summary = files.summary();
    boolean finished =
        !live && summary != null && last != null && files.summaryMillis() >= last.timeMillis();
    return new RunView(
        run(watch, files, ranks, live, finished, hostBytes, now),
        series,
        throughput(ranks, files.sharing()),
        breakdown(ranks, stages, alerts),
        epochs(files),
        segments(files.history()),
        checkpoints(watch),
        experts(watch.experts()),
        alerts);
  }

  private static RunView.Run run(
      RunWatch watch,
      RunFiles files,
      List<RankHistory> ranks,
      boolean live,
      boolean finished,
      long hostBytes,
      long now) {
    EffectiveConfig c = files.config();
    StepPoint last = ranks.isEmpty() ? null : ranks.get(0).latest();
    long total = files.totalSteps();
    RunSummary s = finished ? files.summary() : null;
    return new RunView.Run(
        watch.dir().toString(),
        c == null ? null : c.model(),
        c == null ? ranks.size() : c.workers(),
        c == null ? null : Strategy.of(c),
        files.stages(),
        live,
        finished,
        last == null ? -1 : last.step(),
        total,
        samplesPerSecond(ranks, files.sharing()),
        s == null ? null : s.finalTestAccuracy(),
        c == null ? 0 : c.memoryBudgetBytes(),
        hostBytes,
        now);
  }

  /**
   * All workers' samples per second over the last {@value #RECENT} steps: each rank's mean samples
   * a step, added up and divided by the ranks that share each sample ({@link RunFiles#sharing}),
   * over rank 0's mean step time.
   */
  static double samplesPerSecond(List<RankHistory> ranks, int sharing) {
    if (ranks.isEmpty() || ranks.get(0).latest() == null) {
      return 0;
    }
    double ms = mean(ranks.get(0).last(RECENT), StepPoint::stepMs);
    double samples = 0;
    for (RankHistory r : ranks) {
      samples += mean(r.last(RECENT), StepPoint::samples);
    }
    return ms <= 0 ? 0 : samples / sharing / (ms / 1e3);
  }

  private static RunView.Series throughput(List<RankHistory> ranks, int sharing) {
    if (ranks.isEmpty()) {
      return new RunView.Series(new long[0], new double[0]);
    }
    List<StepPoint> lead = thin(ranks.get(0).points());
    double workers = (double) ranks.size() / sharing;
    double[] v = new double[lead.size()];
    for (int i = 0; i < v.length; i++) {
      StepPoint p = lead.get(i);
      v[i] = p.stepMs() <= 0 ? 0 : p.samples() * workers / (p.stepMs() / 1e3);
    }
    return new RunView.Series(longs(lead, StepPoint::step), smooth(v, 10));
  }

  private static List<RunView.Breakdown> breakdown(
      List<RankHistory> ranks, int stages, List<Alert> alerts) {
    List<RunView.Breakdown> out = new ArrayList<>();
    for (RankHistory r : ranks) {
      List<StepPoint> p = r.last(RECENT);
      if (p.isEmpty()) {
        continue;
      }
      boolean straggler =
          alerts.stream().anyMatch(a -> a.kind() == Alert.Kind.STRAGGLER && a.rank() == r.rank());
      out.add(
          new RunView.Breakdown(
              r.rank(),
              r.rank() % stages,
              mean(p, StepPoint::dataMs),
              mean(p, StepPoint::computeMs),
              mean(p, StepPoint::commMs),
              mean(p, StepPoint::waitMs),
              mean(p, StepPoint::optimizerMs),
              mean(p, StepPoint::otherMs),
              mean(p, StepPoint::stepMs),
              straggler));
    }
    return out;
  }

  /** Each evaluated epoch at the step it ended: its last, or the run's when --max-steps cut it. */
  private static List<RunView.Epoch> epochs(RunFiles files) {
    EffectiveConfig c = files.config();
    long total = files.totalSteps();
    return files.history().epochs().stream()
        .map(
            e ->
                new RunView.Epoch(
                    e.epoch(),
                    total == 0 ? -1 : Math.min((long) e.epoch() * c.stepsPerEpoch(), total),
                    e.trainLoss(),
                    e.testAccuracy()))
        .toList();
  }

  private static List<RunView.Segment> segments(RunHistory.State history) {
    return history.segments().stream()
        .map(
            e ->
                new RunView.Segment(
                    e.startStep(),
                    e.reason() == null
                        ? "fresh"
                        : e.reason().name().toLowerCase(java.util.Locale.ROOT),
                    e.startedAtMillis()))
        .toList();
  }

  private static List<RunView.Checkpoint> checkpoints(RunWatch watch) {
    return watch.files().checkpoints().stream()
        .map(
            m ->
                new RunView.Checkpoint(
                    m.step(),
                    m.stage(),
                    m.created().toString(),
                    m.bytes(),
                    watch.commitSeconds(m.step())))
        .toList();
  }

  private static RunView.Experts experts(List<ExpertPoint> routed) {
    if (routed.isEmpty()) {
      return null;
    }
    List<ExpertPoint> p = thin(routed);
    return new RunView.Experts(
        p.stream().mapToLong(ExpertPoint::step).toArray(),
        p.stream().mapToDouble(ExpertPoint::busiestOverMean).toArray(),
        p.stream().mapToDouble(ExpertPoint::dropped).toArray(),
        routed.get(routed.size() - 1).tokens());
  }

  /** Every k-th element and the last, so that at most {@link #MAX_POINTS} remain. */
  static <T> List<T> thin(List<T> all) {
    if (all.size() <= MAX_POINTS) {
      return List.copyOf(all);
    }
    int stride = (all.size() + MAX_POINTS - 2) / (MAX_POINTS - 1);
    List<T> out = new ArrayList<>();
    for (int i = 0; i < all.size() - 1; i += stride) {
      out.add(all.get(i));
    }
    out.add(all.get(all.size() - 1));
    return out;
  }

  private static double[] smooth(double[] v, int window) {
    double[] out = new double[v.length];
    double sum = 0;
    for (int i = 0; i < v.length; i++) {
      sum += v[i];
      if (i >= window) {
        sum -= v[i - window];
      }
      out[i] = sum / Math.min(i + 1, window);
    }
    return out;
  }

  private static double mean(List<StepPoint> p, ToDoubleFunction<StepPoint> f) {
    return p.stream().mapToDouble(f).average().orElse(0);
  }

  private static long[] longs(List<StepPoint> p, ToLongFunction<StepPoint> f) {
    return p.stream().mapToLong(f).toArray();
  }

  private static double[] doubles(List<StepPoint> p, ToDoubleFunction<StepPoint> f) {
    return p.stream().mapToDouble(f).toArray();
  }
}
