package dev.cohort.train.ddp;

import dev.cohort.train.optim.FusedOptimizer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * Local SGD (periodic parameter averaging), the hybrid between training alone and data parallelism:
 * every rank steps its optimizer on its own gradients, and every H steps the parameters and the
 * optimizer's state are averaged over the ranks (and the buffers made identical), through the
 * gradient buckets, whose all-reduce is zero-copy on one host. Averaging the state too leaves one
 * state to checkpoint and resume. Between averagings the ranks' parameters drift apart; an
 * evaluation, a checkpoint and the end of training average first. With plain or momentum SGD and H
 * = 1 this is data parallelism: both updates are linear in the gradients, so averaging the updated
 * parameters and momenta averages the gradients.
 */
final class LocalSgd {
  private final GradientSync buckets;
  private final List<ByteBuffer> weights;
  private final Buffers buffers;
  private final FusedOptimizer optimizer;
  private final int every;
  private boolean inSync = true;

  /**
   * @param buckets the buckets ({@link GradientSync#local}) the parameters are averaged in
   * @param weights each parameter's memory, in the buckets' order
   * @param every H, steps between averagings
   */
  LocalSgd(
      GradientSync buckets,
      List<ByteBuffer> weights,
      Buffers buffers,
      FusedOptimizer optimizer,
      int every) {
    this.buckets = buckets;
    this.weights = weights;
    this.buffers = buffers;
    this.optimizer = optimizer;
    this.every = every;
  }

  /**
   * After step {@code step} (from 0): averages when {@code step + 1} is a multiple of H (averagings
   * between, before an evaluation or a checkpoint, do not move that schedule). Collective.
   *
   * @return the bytes averaged (0 when not due)
   */
  long afterStep(int step) {
    inSync = false;
    return (step + 1) % every == 0 ? average() : 0;
  }

  /**
   * Averages the parameters and makes the buffers identical now, unless they are already.
   * Collective: every rank calls it at the same point.
   *
   * @return the bytes averaged
   */
  long average() {
    if (inSync) {
      return 0;
    }
    List<ByteBuffer> slots = buckets.gradientViews(); // the gradients in them are spent
    for (int i = 0; i < weights.size(); i++) {
      slots.get(i).duplicate().put(weights.get(i).duplicate());
    }
    long bytes = buckets.averageBuckets();
    for (int i = 0; i < weights.size(); i++) {
      weights.get(i).duplicate().put(slots.get(i).duplicate());
    }
    Map<String, float[]> state = optimizer.state(); // live arrays
    for (String kind : optimizer.stateKinds()) {
      for (int i = 0; i < weights.size(); i++) {
        slots.get(i).asFloatBuffer().put(state.get("optimizer/" + kind + "/" + i));
      }
      bytes += buckets.averageBuckets();
      for (int i = 0; i < weights.size(); i++) {
        slots.get(i).asFloatBuffer().get(state.get("optimizer/" + kind + "/" + i));
      }
    }
    buffers.sync();
    inSync = true;
    return bytes;
  }
}
