package dev.cohort.train.pipeline;

import dev.cohort.train.Pipelining;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which of a model's consecutive blocks each stage runs: stage s runs blocks {@code [start(s),
 * start(s + 1))}.
 *
 * @param starts the first block of each stage, increasing, the first 0
 * @param blocks how many blocks the model has
 */
public record StagePartition(int[] starts, int blocks) {

  public StagePartition {
    starts = starts.clone();
    if (starts.length < 1 || starts[0] != 0) {
      throw new IllegalArgumentException(
          "a partition starts its first stage at block 0, got " + Arrays.toString(starts));
    }
    for (int s = 1; s < starts.length; s++) {
      if (starts[s] <= starts[s - 1] || starts[s] >= blocks) {
        throw new IllegalArgumentException(
            "stage starts "
                + Arrays.toString(starts)
                + " must increase and stay below the model's "
                + blocks
                + " blocks (each stage needs at least one)");
      }
    }
  }

  /** How many stages. */
  public int stages() {
    return starts.length;
  }

  /** The blocks of each stage as {@code --partition} takes them, e.g. "3,2,2". */
  public String blocksPerStage() {
    StringBuilder sb = new StringBuilder();
    for (int st = 0; st < stages(); st++) {
      sb.append(st == 0 ? "" : ",").append(end(st) - start(st));
    }
    return sb.toString();
  }

  /** The first block of {@code stage}. */
  public int start(int stage) {
    return starts[stage];
  }

  /** One past the last block of {@code stage}. */
  public int end(int stage) {
    return stage + 1 < starts.length ? starts[stage + 1] : blocks;
  }

  /**
   * The partition a plan asks for before training: the blocks of each stage when it gives them,
   * else balanced by parameter count (a partition by time is known only once the blocks are
   * measured, and is planned as by parameters).
   *
   * @param parameters each block's parameter count
   * @throws IllegalArgumentException if the given blocks are not one count per stage adding up to
   *     the model's blocks
   */
  public static StagePartition planned(Pipelining p, long[] parameters) {
    int stages = p.stages() * p.virtualStages();
    int[] given = p.givenBlocks();
    if (given == null) {
      return balanced(parameters, stages);
    }
    int sum = Arrays.stream(given).sum();
    if (given.length != stages || sum != parameters.length) {
      throw new IllegalArgumentException(
          "--partition "
              + p.partition()
              + " gives "
              + given.length
              + (given.length == 1 ? " stage of " : " stages of ")
              + sum
              + " blocks; the plan has "
              + stages
              + " stages (--pipeline x --virtual-stages) and the model "
              + parameters.length
              + " blocks (the embeddings, each transformer block, the final LayerNorm, the head)");
    }
    int[] starts = new int[stages];
    for (int s = 1; s < stages; s++) {
      starts[s] = starts[s - 1] + given[s - 1];
    }
    return new StagePartition(starts, parameters.length);
  }

  /**
   * The partition into {@code stages} runs of blocks whose largest total weight (parameter count,
   * or measured time) is the smallest possible.
   *
   * @throws IllegalArgumentException if there are fewer blocks than stages
   */
  public static StagePartition balanced(long[] weights, int stages) {
    if (stages < 1 || weights.length < stages) {
      throw new IllegalArgumentException(
          "cannot cut " + weights.length + " blocks into " + stages + " stages");
    }
    long lo = Arrays.stream(weights).max().orElse(0);
    long hi = Arrays.stream(weights).sum();
    while (lo < hi) { // the smallest bound on a stage's weight that fits in `stages` runs
      long mid = lo + (hi - lo) / 2;
      if (cut(weights, mid, stages) != null) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return new StagePartition(cut(weights, lo, stages), weights.length);
  }

  /** Greedy runs of at most {@code bound}, as many stages as asked; null if they do not fit. */
  private static int[] cut(long[] w, long bound, int stages) {
    List<Integer> starts = new ArrayList<>(List.of(0));
    long sum = 0;
    for (int i = 0; i < w.length; i++) {
      // Start a new stage when this block does not fit, or when the blocks left are just enough
      // to give each remaining stage one.
      boolean mustSplit = w.length - i == stages - starts.size();
      if (i > 0 && (sum + w[i] > bound || mustSplit) && starts.size() < stages) {
        starts.add(i);
        sum = 0;
      }
      sum += w[i];
      if (sum > bound) {
        return null;
      }
    }
    return starts.size() == stages ? starts.stream().mapToInt(Integer::intValue).toArray() : null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StagePartition p && p.blocks == blocks && Arrays.equals(p.starts, starts);
  }

  @Override
  public int hashCode() {
    return 31 * blocks + Arrays.hashCode(starts);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int s = 0; s < stages(); s++) {
      sb.append(s == 0 ? "" : ", ").append("stage ").append(s).append(": blocks ");
      sb.append(start(s)).append('-').append(end(s) - 1);
    }
    return sb.toString();
  }
}
