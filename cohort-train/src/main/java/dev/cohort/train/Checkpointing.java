package dev.cohort.train;

import java.nio.file.Path;

/**
 * When to checkpoint and where to resume from.
 *
 * @param every write a checkpoint every this many optimizer steps (0: never)
 * @param keep how many checkpoints to keep
 * @param resumeFrom a run folder whose newest valid checkpoint to continue from (null: start fresh)
 * @param onlyIfPresent start fresh when {@code resumeFrom} has no checkpoint yet, instead of
 *     failing (rank 0 decides, from its own disk, for every rank)
 */
public record Checkpointing(int every, int keep, Path resumeFrom, boolean onlyIfPresent) {
  /** Checkpoints kept when not told otherwise. */
  public static final int DEFAULT_KEEP = 3;

  public static final Checkpointing NONE = new Checkpointing(0, DEFAULT_KEEP, null, false);

  public Checkpointing {
    if (every < 0) {
      throw new IllegalArgumentException("checkpoint-every must be >= 0, got " + every);
    }
    if (keep < 1) {
      throw new IllegalArgumentException("keep-checkpoints must be >= 1, got " + keep);
    }
  }
}
