package dev.cohort.ops.watch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A rank's steps in order, each once: a step redone after a restart replaces what came after the
 * checkpoint it resumed from. Not thread-safe: {@link RunWatch} guards it.
 */
public final class RankHistory {
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
