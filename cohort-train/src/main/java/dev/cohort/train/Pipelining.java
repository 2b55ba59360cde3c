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
 */
public record Pipelining(int stages, String schedule, int microBatches, int virtualStages) {
  /** One stage: no pipeline. */
  public static final Pipelining NONE = new Pipelining(1, "1f1b", 1, 1);

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
}
