package dev.cohort.comm.collective;

import java.util.List;
import java.util.Locale;

/**
 * Picks the all-reduce algorithm for a message: latency-bound small messages take recursive
 * doubling (fewest rounds); medium messages on power-of-two groups above 2 take halving-doubling
 * (log rounds, optimal volume); everything else takes the pipelined ring, whose many small steps
 * cost nothing once bandwidth dominates. A configured name overrides the choice.
 */
public final class AllReduceSelector {
  /** Below this, halving-doubling's log2(n) rounds beat the ring's 2(n-1) on groups of 4 and up. */
  static final long HALVING_DOUBLING_MAX_BYTES = 1 << 20;

  private static final List<AllReduceAlgorithm> ALL = List.of(
      new AllReduceRing(), new AllReduceHalvingDoubling(), new AllReduceRecursiveDoubling());

  private final String forced;
  private final long smallMessageBytes;

  /**
   * @param configured "auto" or an algorithm name
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public AllReduceSelector(String configured, long smallMessageBytes) {
    String name = configured.toLowerCase(Locale.ROOT);
    if (!name.equals("auto") && byName(name) == null) {
      throw new IllegalArgumentException("unknown all-reduce algorithm '" + configured
          + "'; choose auto or one of " + names());
    }
    this.forced = name.equals("auto") ? null : name;
    this.smallMessageBytes = smallMessageBytes;
  }

  public AllReduceAlgorithm choose(long bytes, int size) {
    if (forced != null) {
      return byName(forced);
    }
    if (bytes <= smallMessageBytes) {
      return byName("recursive-doubling");
    }
    if (size > 2 && Integer.bitCount(size) == 1 && bytes <= HALVING_DOUBLING_MAX_BYTES) {
      return byName("halving-doubling");
    }
    return byName("ring");
  }

  public static List<String> names() {
    return ALL.stream().map(AllReduceAlgorithm::name).toList();
  }

  private static AllReduceAlgorithm byName(String name) {
    return ALL.stream().filter(a -> a.name().equals(name)).findFirst().orElse(null);
  }
}
