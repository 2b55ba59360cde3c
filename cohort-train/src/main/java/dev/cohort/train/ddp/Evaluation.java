package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.data.TrainingData;

/**
 * Accuracy over a data set, each rank scoring every N-th batch and the counts summed. Every rank
 * holds the same parameters and buffers (the trainer keeps them so), so this is one model's score.
 */
public final class Evaluation {
  private static final int BATCH = 500;

  private Evaluation() {}

  /** Fraction of samples whose arg-max prediction equals the label. Collective. */
  public static double accuracy(Trainer trainer, ProcessGroup pg, TrainingData data) {
    // A store of its own, not the trainer's: that one keeps the arrays it first handed out, and
    // ZeRO-3 puts new arrays into the parameters for every evaluation.
    ParameterStore store = new ParameterStore(trainer.getManager(), false);
    Block model = trainer.getModel().getBlock();
    long[] counts = new long[2];
    int batches = (data.size() + BATCH - 1) / BATCH;
    for (int b = pg.rank(); b < batches; b += pg.size()) {
      int from = b * BATCH;
      int n = Math.min(BATCH, data.size() - from);
      int[] idx = new int[n];
      for (int i = 0; i < n; i++) {
        idx[i] = from + i;
      }
      try (NDManager m = trainer.getManager().newSubManager()) {
        NDList batch = data.batch(m, idx);
        NDArray pred = model.forward(store, new NDList(batch.get(0)), false).singletonOrThrow();
        NDArray hit = pred.argMax(1).toType(DataType.FLOAT32, false).eq(batch.get(1));
        counts[0] += hit.sum().getLong();
        counts[1] += n;
      }
    }
    pg.allReduce(counts, ReduceOp.SUM);
    return counts[1] == 0 ? Double.NaN : (double) counts[0] / counts[1];
  }
}
