package dev.cohort.train;

import dev.cohort.train.pipeline.schedule.Schedules;
import java.util.Locale;

/**
 * How the model is cut into a pipeline (the language model only; other models train data-parallel
 * with one stage).
 *
 * @param stages ranks per pipeline (p); the workers form {@code workers / p} pipelines
 * @param schedule {@code gpipe}, {@code 1f1b} or {@code interleaved-1f1b}
 * @param microBatches micro-batches per pipeline per step (m)
 * @param virtualStages stages per rank (v, interleaved only)
 * @param partition how the blocks are shared among the stages: {@code params} (balanced by
 *     parameter count), {@code time} (balanced by each block's forward and backward, measured
 *     before training) or the blocks of each stage, e.g. {@code 3,2,2}
 */
public record Pipelining(
    int stages, String schedule, int microBatches, int virtualStages, String partition) {
  /** Stages balanced by parameter count. */
  public static final String BY_PARAMETERS = "params";

  /** Stages balanced by measured time. */
  public static final String BY_TIME = "time";

  /** One stage: no pipeline. */
  public static final Pipelining NONE = new Pipelining(1, "1f1b", 1, 1);

  /** Balanced by parameter count. */
  public Pipelining(int stages, String schedule, int microBatches, int virtualStages) {
    this(stages, schedule, microBatches, virtualStages, BY_PARAMETERS);
  }

  public Pipelining {
    if (stages < 1) {
      throw new IllegalArgumentException("--pipeline must be >= 1, got " + stages);
    }
    if (microBatches < 1) {
      throw new IllegalArgumentException("--micro-batches must be >= 1, got " + microBatches);
    }
    if (virtualStages < 1) {
      throw new IllegalArgumentException("--virtual-stages must be >= 1, got " + virtualStages);
    }
    schedule = schedule.toLowerCase(Locale.ROOT);
    partition = partition == null ? BY_PARAMETERS : partition.strip().toLowerCase(Locale.ROOT);
    if (!partition.equals(BY_PARAMETERS) && !partition.equals(BY_TIME)) {
      blocksPerStage(partition); // a list that does not parse fails here
    }
    if (!Schedules.NAMES.contains(schedule)) {
      throw new IllegalArgumentException(
          "--schedule must be one of " + Schedules.NAMES + ", got " + schedule);
    }
    if (virtualStages > 1 && !schedule.equals("interleaved-1f1b")) {
      throw new IllegalArgumentException(
          "--virtual-stages " + virtualStages + " needs --schedule interleaved-1f1b");
    }
    if (virtualStages == 1 && stages > 1 && schedule.equals("interleaved-1f1b")) {
      throw new IllegalArgumentException(
          "--schedule interleaved-1f1b needs --virtual-stages 2 or more (with 1 it is 1f1b with"
              + " a longer warm-up): give --virtual-stages, or use --schedule 1f1b");
    }
  }

  /** The blocks of each stage this plan gives, or null when the partition is balanced. */
  public int[] givenBlocks() {
    return partition.equals(BY_PARAMETERS) || partition.equals(BY_TIME)
        ? null
        : blocksPerStage(partition);
  }

  private static int[] blocksPerStage(String list) {
    String[] parts = list.split(",");
    int[] out = new int[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) {
        out[i] = Integer.parseInt(parts[i].strip());
        if (out[i] < 1) {
          throw new NumberFormatException();
        }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--partition must be params, time or the blocks of each stage such as 3,2,2, got '"
              + list
              + "'");
    }
    return out;
  }
}
