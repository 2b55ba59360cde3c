package dev.cohort.train.pipeline.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * One training step of a pipeline: for each rank, its actions in order.
 *
 * @param name the schedule's name ({@code gpipe}, {@code 1f1b}, {@code interleaved-1f1b} or a
 *     caller's)
 * @param layout which rank holds which stage
 * @param microBatches micro-batches per global batch (m)
 * @param ranks the actions of each rank, by rank
 */
public record Schedule(
    String name, StageLayout layout, int microBatches, List<List<Action>> ranks) {

  public Schedule {
    if (microBatches < 1) {
      throw new IllegalArgumentException("micro-batches must be >= 1, got " + microBatches);
    }
    if (ranks.size() != layout.ranks()) {
      throw new IllegalArgumentException(
          "a schedule for " + layout.ranks() + " ranks lists actions for " + ranks.size());
    }
    List<List<Action>> copy = new ArrayList<>();
    ranks.forEach(r -> copy.add(List.copyOf(r)));
    ranks = List.copyOf(copy);
  }

  /** The actions of {@code rank}. */
  public List<Action> of(int rank) {
    return ranks.get(rank);
  }

  /** The same schedule with other actions (a lowering pass's result). */
  public Schedule withRanks(List<List<Action>> actions) {
    return new Schedule(name, layout, microBatches, actions);
  }

  /** One line per rank: {@code rank 0: 0F0 0SEND_F0 0F1 ...}. */
  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                "%s, %d ranks x %d stages each, %d micro-batches%n",
                name, layout.ranks(), layout.virtualStages(), microBatches));
    for (int r = 0; r < ranks.size(); r++) {
      sb.append("rank ").append(r).append(':');
      ranks.get(r).forEach(a -> sb.append(' ').append(a));
      sb.append(System.lineSeparator());
    }
    return sb.toString();
  }
}
