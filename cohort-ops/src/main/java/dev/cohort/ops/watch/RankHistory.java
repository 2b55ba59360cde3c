package dev.cohort.ops.watch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A rank's steps in order, each once: a step redone after a restart replaces what came after the
 * checkpoint it resumed from. A long run's older steps are kept at a coarser and coarser resolution
 * (every other one, each time the history reaches {@value #CAP}), so the launcher that serves the
 * dashboard holds a bounded history however long the run. Not thread-safe: {@link RunWatch} guards
 * it.
 */
public final class RankHistory {
  /** Elements kept at most before the older ones are thinned. */
  static final int CAP = 6000;

  /** The newest elements, never thinned. */
  static final int RECENT = 100;

  private final int rank;
  private final List<StepPoint> points = new ArrayList<>();

  RankHistory(int rank) {
    this.rank = rank;
  }

  public int rank() {
    return rank;
  }

  void add(StepPoint p) {
    int keep = points.size();
    while (keep > 0 && points.get(keep - 1).step() >= p.step()) {
      keep--;
    }
    points.subList(keep, points.size()).clear();
    points.add(p);
    if (points.size() > CAP) {
      thin(points);
    }
  }

  /**
   * Halves the resolution of all but the newest {@value #RECENT} elements, which the alerts and the
   * breakdown read whole: a long run's history stays under {@value #CAP} elements a rank.
   */
  static <T> void thin(List<T> list) {
    int old = list.size() - RECENT;
    List<T> kept = new ArrayList<>(list.size() / 2 + RECENT);
    for (int i = 0; i < old; i += 2) {
      kept.add(list.get(i));
    }
    kept.addAll(list.subList(old, list.size()));
    list.clear();
    list.addAll(kept);
  }

  void clear() {
    points.clear();
  }

  /** The steps so far (a view: copy before the watch refreshes again). */
  public List<StepPoint> points() {
    return Collections.unmodifiableList(points);
  }

  /** The last {@code n} steps (fewer at the start). */
  public List<StepPoint> last(int n) {
    return points().subList(Math.max(0, points.size() - n), points.size());
  }

  /** The newest step, or null before the first. */
  public StepPoint latest() {
    return points.isEmpty() ? null : points.get(points.size() - 1);
  }
}
