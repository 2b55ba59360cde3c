package dev.cohort.train;

/**
 * How the ranks keep their buffers (tensors that take no gradient, such as BatchNorm's running mean
 * and variance) identical. Every forward pass in training mode updates them from the rank's own
 * batch, so without a rule each rank would end with its own statistics. Applied after every
 * optimizer step, so the state is consistent whenever it is checked, checkpointed or evaluated.
 */
public enum BufferSync {
  /**
   * Rank 0's buffers are copied to every rank: what PyTorch DDP does by default ({@code
   * broadcast_buffers=True}). The default here too: one broadcast of a few kilobytes, and a
   * 1-worker run and rank 0 of an N-worker run see the same kind of statistics (from one worker's
   * batches).
   */
  BROADCAST,

  /**
   * The buffers are averaged over the ranks: statistics from every rank's batches, at the cost of
   * an all-reduce instead of a broadcast. For batch statistics over the whole global batch in the
   * forward pass itself, use {@code SyncBatchNorm}.
   */
  AVERAGE
}
