package dev.cohort.train.memory;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The bytes one worker holds for training, by kind. What the JVM and libtorch take for themselves
 * (code, heap, thread pools, autograd's own saved tensors) is not here: the peak resident memory
 * reported next to it includes them.
 *
 * @param parameters the parameters of the worker's stages
 * @param gradients their gradients
 * @param optimizer the optimizer's state (momentum: 1 value per parameter; Adam: 2)
 * @param activations the most bytes of activations held at once: every array a forward makes, kept
 *     until its micro-batch's backward
 * @param buffers the most bytes held for a whole step: activations and gradients received from
 *     neighbouring stages and input gradients sent to them
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record WorkerMemory(
    long parameters, long gradients, long optimizer, long activations, long buffers) {
  public WorkerMemory {
    if (parameters < 0 || gradients < 0 || optimizer < 0 || activations < 0 || buffers < 0) {
      throw new IllegalArgumentException("bytes cannot be negative");
    }
  }

  /** Everything counted. */
  public long total() {
    return parameters + gradients + optimizer + activations + buffers;
  }

  /** As a user reads it: "41.3 MiB (parameters 3.2, gradients 3.2, ...)". */
  public String describe() {
    return ByteSize.format(total())
        + " (parameters "
        + ByteSize.mebibytes(parameters)
        + ", gradients "
        + ByteSize.mebibytes(gradients)
        + ", optimizer "
        + ByteSize.mebibytes(optimizer)
        + ", activations "
        + ByteSize.mebibytes(activations)
        + ", transfer buffers "
        + ByteSize.mebibytes(buffers)
        + " MiB)";
  }
}
