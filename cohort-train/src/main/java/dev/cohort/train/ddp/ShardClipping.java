package dev.cohort.train.ddp;

import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.optim.GradientClipping;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Clipping by the global norm when each rank holds the averaged gradients of a disjoint shard: the
 * ranks' sums of squares add up to the whole model's.
 */
final class ShardClipping {
  private ShardClipping() {}

  /** Scales this rank's {@code grads} so that the whole model's norm is at most {@code norm}. */
  static void clip(ProcessGroup pg, List<ByteBuffer> grads, float norm) {
    double[] squares = {GradientClipping.sumOfSquares(grads)};
    pg.allReduce(squares, ReduceOp.SUM);
    GradientClipping.scale(grads, GradientClipping.factor(squares[0], norm));
  }
}
