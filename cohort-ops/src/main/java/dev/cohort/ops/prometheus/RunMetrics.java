package dev.cohort.ops.prometheus;

import dev.cohort.ops.watch.Alert;
import dev.cohort.ops.watch.CheckpointMark;
import dev.cohort.ops.watch.ExpertPoint;
import dev.cohort.ops.watch.RunFiles;
import dev.cohort.ops.watch.RunWatch;
import dev.cohort.ops.watch.StepPoint;
import dev.cohort.train.metrics.RunHistory;
import dev.cohort.train.metrics.RunSummary;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's metrics in Prometheus' terms, on a registry of its own (not the client's global one):
 * every rank's step time as a histogram, its phases, samples and bytes sent as counters, its
 * resident memory, loss and step as gauges; the run's restarts, checkpoints, expert routing and
 * alerts. Fed with each {@link RunWatch.Update} as it is read, so counters count every step the
 * workers took (a step redone after a restart counts again: it was work done). Not thread-safe: the
 * caller feeds and writes under the watch's lock.
 */
public final class RunMetrics {
  /** Step time buckets, in seconds: 1 ms to about 65 s. */
  static final double[] STEP_BUCKETS = {
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 65
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram stepSeconds =
      Histogram.builder()
          .name("cohort_step_seconds")
          .help("Wall time of a training step, by rank")
          .labelNames("rank")
          .classicUpperBounds(STEP_BUCKETS)
          .classicOnly()
          .register(registry);
  private final Counter phaseSeconds =
      Counter.builder()
          .name("cohort_step_phase_seconds_total")
          .help(
              "Time spent in each phase of the steps, by rank: data, forward_backward,"
                  + " communication, wait (stalled on slower ranks), optimizer")
          .labelNames("rank", "phase")
          .register(registry);
  private final Counter samples =
      Counter.builder()
          .name("cohort_samples_total")
          .help(
              "Training samples processed, by rank (the ranks of one pipeline or tensor group"
                  + " process the same samples)")
          .labelNames("rank")
          .register(registry);
  private final Counter bytesSent =
      Counter.builder()
          .name("cohort_communication_bytes_total")
          .help(
              "Payload bytes a rank sent to the others (zero-copy shared-memory all-reduces"
                  + " excluded)")
          .labelNames("rank")
          .register(registry);
  private final Gauge samplesPerSecond =
      Gauge.builder()
          .name("cohort_samples_per_second")
          .help("Training throughput of all workers over the last 20 steps")
          .register(registry);
  private final Gauge memory =
      Gauge.builder()
          .name("cohort_resident_memory_bytes")
          .help("Resident memory of a worker process at its last step")
          .labelNames("rank")
          .register(registry);
  private final Gauge loss =
      Gauge.builder()
          .name("cohort_loss")
          .help("Training loss of a rank's last step")
          .labelNames("rank")
          .register(registry);
  private final Gauge step =
      Gauge.builder()
          .name("cohort_step")
          .help("The last step a rank finished (counted from 0)")
          .labelNames("rank")
          .register(registry);
  private final Gauge restarts =
      Gauge.builder()
          .name("cohort_restarts")
          .help(
              "Times the workers were started again after the first start: after a failure or a resume")
          .labelNames("reason")
          .register(registry);
  private final Gauge checkpoints =
      Gauge.builder()
          .name("cohort_checkpoints")
          .help("Committed checkpoints kept in the run folder")
          .register(registry);
  private final Gauge checkpointSeconds =
      Gauge.builder()
          .name("cohort_checkpoint_seconds")
          .help("The newest checkpoint: from the end of its step until it was committed")
          .register(registry);
  private final Gauge checkpointBytes =
      Gauge.builder()
          .name("cohort_checkpoint_bytes")
          .help("The newest checkpoint's size on disk (state and shards, every stage's)")
          .register(registry);
  private final Counter expertTokens =
      Counter.builder()
          .name("cohort_expert_tokens_total")
          .help("Routing choices for each expert, summed over the layers (mixture of experts)")
          .labelNames("expert")
          .register(registry);
  private final Gauge alerts =
      Gauge.builder()
          .name("cohort_alerts")
          .help("Alerts raised now, by kind: nan, spike, straggler, heartbeat, memory")
          .labelNames("kind")
          .register(registry);

  private final Map<Integer, Long> lastSent = new HashMap<>();

  /** Counts what {@code update} found new. */
  public void add(RunWatch.Update update) {
    for (RunWatch.RankStep s : update.steps()) {
      String rank = Integer.toString(s.rank());
      StepPoint p = s.point();
      stepSeconds.labelValues(rank).observe(p.stepMs() / 1e3);
      phase(rank, "data", p.dataMs());
      phase(rank, "forward_backward", p.computeMs());
      phase(rank, "communication", p.commMs());
      phase(rank, "wait", p.waitMs());
      phase(rank, "optimizer", p.optimizerMs());
      samples.labelValues(rank).inc(Math.max(0, p.samples()));
      long before = lastSent.getOrDefault(s.rank(), 0L);
      // The count starts over with each process: a smaller one is a restarted worker's.
      long sent = p.bytesSent() >= before ? p.bytesSent() - before : p.bytesSent();
      if (sent > 0) {
        bytesSent.labelValues(rank).inc(sent);
      }
      lastSent.put(s.rank(), Math.max(0, p.bytesSent()));
      memory.labelValues(rank).set(p.rssBytes());
      loss.labelValues(rank).set(p.loss());
      step.labelValues(rank).set(p.step());
    }
    for (ExpertPoint e : update.experts()) {
      for (int i = 0; i < e.tokens().length; i++) {
        expertTokens.labelValues(Integer.toString(i)).inc(Math.max(0, e.tokens()[i]));
      }
    }
  }

  private void phase(String rank, String phase, double ms) {
    if (ms > 0) {
      phaseSeconds.labelValues(rank, phase).inc(ms / 1e3);
    }
  }

  /**
   * Sets the gauges that follow the run as a whole, from what {@code watch} read last.
   *
   * @param samplesPerSecond all workers' throughput now
   */
  public void set(RunWatch watch, double samplesPerSecond, List<Alert> now) {
    RunFiles files = watch.files();
    this.samplesPerSecond.set(samplesPerSecond);
    Map<RunSummary.Reason, Integer> started = new HashMap<>();
    List<RunHistory.Entry> segments = files.history().segments();
    for (RunHistory.Entry e : segments.subList(Math.min(1, segments.size()), segments.size())) {
      started.merge(e.reason(), 1, Integer::sum);
    }
    for (RunSummary.Reason r : RunSummary.Reason.values()) {
      if (r != RunSummary.Reason.FRESH) {
        restarts
            .labelValues(r.name().toLowerCase(java.util.Locale.ROOT))
            .set(started.getOrDefault(r, 0));
      }
    }
    List<CheckpointMark> marks = files.checkpoints(); // by step, a pipeline's stages apart
    checkpoints.set(marks.stream().mapToLong(CheckpointMark::step).distinct().count());
    if (!marks.isEmpty()) {
      long newest = marks.get(marks.size() - 1).step();
      checkpointBytes.set(
          marks.stream().filter(m -> m.step() == newest).mapToLong(CheckpointMark::bytes).sum());
      Double seconds = watch.commitSeconds(newest);
      checkpointSeconds.set(seconds == null ? Double.NaN : seconds);
    }
    for (Alert.Kind k : Alert.Kind.values()) {
      alerts
          .labelValues(k.name().toLowerCase(java.util.Locale.ROOT))
          .set(now.stream().filter(a -> a.kind() == k).count());
    }
  }

  /** The metrics in Prometheus' text format. */
  public void write(OutputStream out) throws IOException {
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
  }

  /** The content type of {@link #write}'s output. */
  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }
}
