package dev.cohort.launch.local;

import dev.cohort.comm.store.StoreServer;
import dev.cohort.train.Heartbeat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * Watches the workers' heartbeats ({@link Heartbeat}: "steps:beats" in the launcher's store) and
 * says when one has made no progress for the hang timeout. The culprit is a rank whose beats
 * stopped altogether (a frozen process), else the rank furthest behind; the others are only waiting
 * for it in a collective. Checked only once a worker has done a step, so start-up and data loading
 * never count.
 */
final class HangWatch implements ProgressWatch {
  private final StoreServer store;
  private final long generation;
  private final long timeoutNanos;
  private final long[] steps;
  private final long[] beats;
  private final long[] stepChanged;
  private final long[] beatChanged;

  HangWatch(StoreServer store, long generation, int ranks, Duration timeout) {
    this.store = store;
    this.generation = generation;
    this.timeoutNanos = timeout.toNanos();
    this.steps = new long[ranks];
    this.beats = new long[ranks];
    this.stepChanged = new long[ranks];
    this.beatChanged = new long[ranks];
    long now = System.nanoTime();
    Arrays.fill(stepChanged, now);
    Arrays.fill(beatChanged, now);
  }

  /** Reads every heartbeat; the hung rank if one has stalled past the timeout. */
  @Override
  public OptionalInt poll() {
    if (timeoutNanos == 0) {
      return OptionalInt.empty();
    }
    long now = System.nanoTime();
    boolean stuck = false;
    for (int r = 0; r < steps.length; r++) {
      String[] v =
          store
              .peek(Heartbeat.key(generation, r))
              .map(b -> new String(b, StandardCharsets.UTF_8))
              .orElse("0:0")
              .split(":");
      long s = Long.parseLong(v[0]);
      long b = Long.parseLong(v[1]);
      if (s != steps[r]) {
        stepChanged[r] = now;
      }
      if (b != beats[r]) {
        beatChanged[r] = now;
      }
      steps[r] = s;
      beats[r] = b;
      stuck |= s > 0 && now - stepChanged[r] > timeoutNanos;
    }
    if (!stuck) {
      return OptionalInt.empty();
    }
    long frozenAfter = 3 * Duration.ofMillis(Heartbeat.PERIOD_MS).toNanos();
    int culprit = 0;
    for (int r = 0; r < steps.length; r++) {
      boolean frozen = now - beatChanged[r] > frozenAfter;
      if (frozen) {
        return OptionalInt.of(r);
      }
      if (steps[r] < steps[culprit]) {
        culprit = r;
      }
    }
    return OptionalInt.of(culprit);
  }

  /**
   * Why rank r counts as hung. The step named is the world's: the most any rank has reported, as
   * the others wait for the culprit in that step's collectives; the culprit's own count can lag by
   * up to a heartbeat period (a frozen process published its last one before it froze).
   */
  @Override
  public String why(int r) {
    long world = Arrays.stream(steps).max().orElse(0);
    return "no progress for "
        + Duration.ofNanos(timeoutNanos).toSeconds()
        + " s after step "
        + world
        + (steps[r] < world ? " (rank " + r + " last reported step " + steps[r] + ")" : "");
  }
}
