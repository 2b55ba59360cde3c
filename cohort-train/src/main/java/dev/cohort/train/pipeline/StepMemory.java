package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.Map;

/**
 * The memory one step of a pipeline rank holds, tracked as it runs, in the terms {@link
 * PipelineMemory} predicts: each forward's arrays from its end until its backward is done (the
 * micro-batches in flight), and the transfer buffers the step keeps to its end.
 */
final class StepMemory {
  private final Map<Long, Long> inFlight = new HashMap<>();
  private long held;
  private long peak;
  private long buffers;

  /** A forward is done: what its scope holds, less its input (the previous stage's output). */
  void forwardDone(long key, NDManager scope, NDArray input) {
    long bytes = 0;
    for (NDArray a : scope.getManagedArrays()) {
      if (a != input) {
        bytes += bytes(a);
      }
    }
    inFlight.put(key, bytes);
    held += bytes;
    peak = Math.max(peak, held);
  }

  /** Its backward is done and its scope freed. */
  void backwardDone(long key) {
    Long bytes = inFlight.remove(key);
    held -= bytes == null ? 0 : bytes;
  }

  /** {@code a} stays until the step ends. */
  void keep(NDArray a) {
    buffers += bytes(a);
  }

  long peakActivations() {
    return peak;
  }

  long buffers() {
    return buffers;
  }

  private static long bytes(NDArray a) {
    return a.size() * a.getDataType().getNumOfBytes();
  }
}
