package dev.cohort.comm.collective;

import dev.cohort.comm.AllReduceAlgorithm;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The schedule that runs each all-reduce: the configured algorithm, or for {@link
 * AllReduceAlgorithm#AUTO} the one {@link AllReduceAlgorithm#choose} picks for the message.
 */
public final class AllReduceSelector {
  private static final Map<AllReduceAlgorithm, AllReduceSchedule> SCHEDULES =
      new EnumMap<>(AllReduceAlgorithm.class);

  static {
    for (AllReduceSchedule s :
        List.of(
            new AllReduceRing(),
            new AllReduceHalvingDoubling(),
            new AllReduceRecursiveDoubling())) {
      SCHEDULES.put(s.algorithm(), s);
    }
  }

  private final AllReduceAlgorithm configured;
  private final long smallMessageBytes;

  public AllReduceSelector(AllReduceAlgorithm configured, long smallMessageBytes) {
    this.configured = configured;
    this.smallMessageBytes = smallMessageBytes;
  }

  public AllReduceSchedule choose(long bytes, int size) {
    return SCHEDULES.get(configured.resolve(bytes, size, smallMessageBytes));
  }
}
