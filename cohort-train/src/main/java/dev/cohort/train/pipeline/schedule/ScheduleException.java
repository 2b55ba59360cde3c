package dev.cohort.train.pipeline.schedule;

/** A schedule that would go wrong if it ran, with the first offending action named. */
public final class ScheduleException extends IllegalArgumentException {
  private final int rank;
  private final int index;
  private final transient Action action;

  ScheduleException(Schedule s, int rank, int index, String problem) {
    super(
        "pipeline schedule "
            + s.name()
            + ": rank "
            + rank
            + ", action "
            + index
            + " ("
            + s.of(rank).get(index)
            + "): "
            + problem);
    this.rank = rank;
    this.index = index;
    this.action = s.of(rank).get(index);
  }

  /** The rank whose action is at fault. */
  public int rank() {
    return rank;
  }

  /** The action's position in the rank's list, from 0. */
  public int index() {
    return index;
  }

  /** The offending action. */
  public Action action() {
    return action;
  }
}
