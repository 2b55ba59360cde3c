package dev.cohort.train.compress;

import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.Tensor;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * A communication hook, as DDP's: how a bucket of gradients is averaged over the ranks when it is
 * not the plain float32 all-reduce. A hook with state (PowerSGD's warm starts, the residuals of
 * error feedback) gives it to checkpoints and takes it back on resume.
 */
public sealed interface CommHook permits CompressedAllReduce, FeedbackHook {

  /** A new step begins: its buckets follow, in the same order as every step. */
  default void startStep() {}

  /**
   * Replaces bucket {@code index}'s float32 values by their average over the ranks, or an
   * approximation of it that is identical on every rank. Collective.
   */
  void average(Tensor bucket, int index);

  /**
   * Adds the state to {@code out}, on rank 0 (every rank's residuals gathered there). Collective.
   */
  default void snapshot(Map<String, float[]> out) {}

  /**
   * Takes this rank's state from a checkpoint's arrays; state saved by another number of ranks or
   * another bucket layout is left out (the residuals start at zero), with a warning on {@code log}.
   */
  default void restore(Map<String, float[]> saved, PrintStream log) {}

  /**
   * Bytes this rank sends in a step averaged by the hook (not one of the plain steps before it), as
   * ring collectives send them; 0 for a hook that does not know it ahead.
   */
  default long stepBytes() {
    return 0;
  }

  /** Steps this process averaged with the plain all-reduce before the hook took over. */
  default long plainStepsRun() {
    return 0;
  }

  /** Whether {@link #snapshot} and {@link #restore} carry anything. */
  default boolean stateful() {
    return false;
  }

  /**
   * The hook for {@code spec} over buckets laid out as {@code layouts}, in the order they are
   * averaged. Collective: it allocates its buffers from {@code pg}.
   *
   * @throws IllegalArgumentException for {@link Compression#NONE}
   */
  static CommHook of(CompressionSpec spec, ProcessGroup pg, List<BucketLayout> layouts) {
    return switch (spec.kind()) {
      case NONE -> throw new IllegalArgumentException("no compression: use the plain all-reduce");
      case FP16, BF16 -> new CompressedAllReduce(pg, spec.kind());
      case POWERSGD -> new PowerSgd(pg, spec.rank(), spec.plainSteps(), layouts);
      case TOPK -> new TopK(pg, spec.fraction(), spec.plainSteps(), layouts);
    };
  }
}
