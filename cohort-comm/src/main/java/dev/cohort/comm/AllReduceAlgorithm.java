package dev.cohort.comm;

import java.util.List;
import java.util.Locale;

/**
 * The all-reduce algorithms, by the names configuration uses ({@code COHORT_ALLREDUCE_ALGO}).
 * {@link #AUTO} lets Cohort pick one per message with {@link #choose}; the others force it. The
 * same rule runs in every process group and in cost models that want to predict what Cohort does.
 */
public enum AllReduceAlgorithm {
  /** Pick per message by its size and the world size: see {@link #choose}. */
  AUTO("auto"),
  /** Reduce-scatter then all-gather around a ring, pipelined: bandwidth-optimal for large data. */
  RING("ring"),
  /** Recursive halving then doubling: 2 log2(n) rounds that move the ring's volume. */
  HALVING_DOUBLING("halving-doubling"),
  /** Log2(n) rounds that each exchange the whole vector: fewest rounds, for small messages. */
  RECURSIVE_DOUBLING("recursive-doubling");

  /** Up to this size, halving-doubling's log2(n) rounds beat the ring's 2(n-1) on groups of 4+. */
  public static final long HALVING_DOUBLING_MAX_BYTES = 1 << 20;

  private static final List<AllReduceAlgorithm> SCHEDULES =
      List.of(RING, HALVING_DOUBLING, RECURSIVE_DOUBLING);

  private final String configName;

  AllReduceAlgorithm(String configName) {
    this.configName = configName;
  }

  /** The name in configuration, benchmarks and reports: "auto", "ring", "halving-doubling", ... */
  public String configName() {
    return configName;
  }

  /** The algorithms that can run, in a fixed order: every value but {@link #AUTO}. */
  public static List<AllReduceAlgorithm> schedules() {
    return SCHEDULES;
  }

  /**
   * The algorithm with this configuration name, ignoring case and surrounding blanks.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static AllReduceAlgorithm parse(String name) {
    String wanted = name.strip().toLowerCase(Locale.ROOT);
    for (AllReduceAlgorithm a : values()) {
      if (a.configName.equals(wanted)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unknown all-reduce algorithm '"
            + name
            + "'; choose auto or one of "
            + SCHEDULES.stream().map(a -> a.configName).toList());
  }

  /**
   * What {@link #AUTO} picks for one all-reduce: latency-bound small messages take recursive
   * doubling (fewest rounds); medium messages on power-of-two groups above 2 take halving-doubling
   * (log rounds, optimal volume); everything else takes the pipelined ring, whose many small steps
   * cost nothing once bandwidth dominates. Every rank computes the same answer from the same
   * inputs.
   *
   * @param bytes the message size
   * @param worldSize ranks in the group
   * @param smallMessageBytes at or below this size, recursive doubling ({@link
   *     CommConfig#smallMessageBytes()}, by default {@link CommConfig#DEFAULT_SMALL_MESSAGE_BYTES})
   * @return never {@link #AUTO}
   */
  public static AllReduceAlgorithm choose(long bytes, int worldSize, long smallMessageBytes) {
    if (bytes <= smallMessageBytes) {
      return RECURSIVE_DOUBLING;
    }
    if (worldSize > 2 && Integer.bitCount(worldSize) == 1 && bytes <= HALVING_DOUBLING_MAX_BYTES) {
      return HALVING_DOUBLING;
    }
    return RING;
  }

  /**
   * The algorithm that runs for one all-reduce when this one is configured: itself when forced,
   * {@link #choose}'s pick for {@link #AUTO}.
   */
  public AllReduceAlgorithm resolve(long bytes, int worldSize, long smallMessageBytes) {
    return this == AUTO ? choose(bytes, worldSize, smallMessageBytes) : this;
  }
}
