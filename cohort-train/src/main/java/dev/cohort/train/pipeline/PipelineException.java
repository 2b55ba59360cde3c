package dev.cohort.train.pipeline;

import dev.cohort.train.pipeline.schedule.Action;

/** A pipeline action that failed, named by rank, stage, micro-batch and action. */
public final class PipelineException extends RuntimeException {
  PipelineException(int rank, Action action, String problem, Throwable cause) {
    super(
        "pipeline rank "
            + rank
            + ", stage "
            + action.stage()
            + (action.microBatch() >= 0 ? ", micro-batch " + action.microBatch() : "")
            + ", action "
            + action
            + ": "
            + problem,
        cause);
  }
}
