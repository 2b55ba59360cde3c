package dev.cohort.train.ddp;

import dev.cohort.train.compress.CommHook;
import dev.cohort.train.optim.FusedOptimizer;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The optimizer's state as a checkpoint holds it: for each parameter of the whole model, named as
 * {@link FusedOptimizer#state} names them, whether every rank holds all of it or a shard ({@link
 * ShardedUpdate}). A checkpoint written one way resumes the other, on any number of ranks.
 */
interface OptimizerState {
  /**
   * A copy of the whole state, on rank 0 (empty elsewhere). Collective over the ranks when the
   * state is sharded.
   */
  Map<String, float[]> snapshot();

  /** Whether {@link #snapshot} is collective: every rank must call it. */
  default boolean collective() {
    return false;
  }

  /**
   * Whether {@link #snapshot} holds the parameters as well ({@code parameter/<i>}) and {@link
   * #restore} takes them: true when no rank holds them whole (ZeRO-3).
   */
  default boolean holdsParameters() {
    return false;
  }

  /** Takes this rank's part of {@code saved}, the whole state. */
  void restore(Map<String, float[]> saved);

  /**
   * Whether each rank can write its own part of a checkpoint ({@link #slices}) instead of gathering
   * the whole state to rank 0.
   */
  default boolean sliced() {
    return false;
  }

  /**
   * This rank's slices of the state for a sharded checkpoint, named {@code <array>#<from>#<whole
   * length>} ({@link dev.cohort.checkpoint.ShardFile#sliceName}); the arrays may be live. Not
   * collective. Empty unless {@link #sliced}.
   */
  default Map<String, float[]> slices() {
    return Map.of();
  }

  /**
   * With {@link #slices}: the rest of the state, on rank 0 (empty elsewhere); collective as {@link
   * #snapshot} is.
   */
  default Map<String, float[]> rest() {
    return snapshot();
  }

  /**
   * {@code base} and a compression hook's state ({@code compression/...}), gathered to rank 0 on
   * save: collective.
   */
  static OptimizerState withHook(OptimizerState base, CommHook hook, PrintStream log) {
    return new OptimizerState() {
      @Override
      public Map<String, float[]> snapshot() {
        Map<String, float[]> all = new LinkedHashMap<>(base.snapshot());
        hook.snapshot(all);
        return all;
      }

      @Override
      public boolean collective() {
        return true;
      }

      @Override
      public boolean holdsParameters() {
        return base.holdsParameters();
      }

      @Override
      public void restore(Map<String, float[]> saved) {
        base.restore(saved);
        hook.restore(saved, log);
      }

      @Override
      public boolean sliced() {
        return base.sliced();
      }

      @Override
      public Map<String, float[]> slices() {
        return base.slices();
      }

      @Override
      public Map<String, float[]> rest() {
        Map<String, float[]> all = new LinkedHashMap<>(base.rest());
        hook.snapshot(all);
        return all;
      }
    };
  }

  /** Every rank holds the whole state. */
  static OptimizerState whole(FusedOptimizer optimizer) {
    return new OptimizerState() {
      @Override
      public Map<String, float[]> snapshot() {
        Map<String, float[]> copy = new LinkedHashMap<>();
        optimizer.state().forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
      }

      @Override
      public void restore(Map<String, float[]> saved) {
        optimizer.restore(saved);
      }
    };
  }
}
