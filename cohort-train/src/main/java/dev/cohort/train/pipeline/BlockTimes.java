package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.model.gpt.Gpt;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.model.gpt.SequenceLoss;
import java.util.Arrays;
import java.util.List;

/**
 * Each block's forward and backward time on one micro-batch, measured before training, for a
 * partition of the stages by time ({@code --partition time}): the embeddings, one transformer block
 * (the others are the same), the final LayerNorm, and the head with the loss, each alone, the
 * median of {@value #REPEATS} runs after one to warm up. Rank 0 measures and every rank uses its
 * figures, so that every rank cuts the model the same way.
 */
final class BlockTimes {
  static final int REPEATS = 3;

  private BlockTimes() {}

  /** Rank 0's measurement, on every rank of {@code world}. Collective. */
  static long[] shared(ProcessGroup world, GptConfig g, int rows) {
    long[] out = new long[g.blockParameters().length];
    RuntimeException failed = null;
    if (world.rank() == 0) {
      try {
        out = measure(g, rows);
      } catch (RuntimeException e) {
        failed = e;
        out[0] = -1; // the others learn it failed rather than wait
      }
    }
    world.broadcast(out, 0);
    if (failed != null) {
      throw failed;
    }
    if (out[0] < 0) {
      throw new IllegalStateException(
          "rank 0 could not time the blocks for --partition time (its log says why)");
    }
    return out;
  }

  /** Nanoseconds of each block's forward and backward of {@code rows} windows. */
  static long[] measure(GptConfig g, int rows) {
    SequentialBlock net = Gpt.build(g);
    net.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
    List<Block> blocks = List.copyOf(net.getChildren().values());
    Shape[] in = new Shape[blocks.size()];
    in[0] = new Shape(rows, g.context());
    for (int i = 0; i + 1 < blocks.size(); i++) {
      in[i + 1] = blocks.get(i).getOutputShapes(new Shape[] {in[i]})[0];
    }
    int last = blocks.size() - 1;
    long[] out = new long[blocks.size()];
    try (NDManager manager = NDManager.newBaseManager()) { // loads libtorch
      JniUtils.setGradMode(true); // libtorch's flag is per thread: off again at the end
      for (int k : new int[] {0, 1, last - 1, last}) {
        blocks.get(k).initialize(manager, DataType.FLOAT32, in[k]);
        long[] runs = new long[REPEATS + 1];
        for (int r = 0; r < runs.length; r++) {
          runs[r] = once(blocks.get(k), k, last, in[k], g, manager);
        }
        out[k] = median(Arrays.copyOfRange(runs, 1, runs.length));
      }
    } finally {
      JniUtils.setGradMode(false);
    }
    for (int i = 2; i < last - 1; i++) {
      out[i] = out[1]; // every transformer block is the same
    }
    return out;
  }

  private static long once(Block b, int k, int last, Shape in, GptConfig g, NDManager manager) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray x =
          k == 0
              ? scope
                  .randomInteger(0, g.vocabulary(), in, DataType.INT32)
                  .toType(DataType.FLOAT32, false)
              : scope.randomNormal(in);
      x.setRequiresGradient(k != 0);
      long t0 = System.nanoTime();
      NDArray y =
          b.forward(new ParameterStore(scope, false), new NDList(x), true).singletonOrThrow();
      if (k == last) { // the head's time includes the loss over its output
        NDArray targets =
            scope
                .randomInteger(0, g.vocabulary(), new Shape(in.get(0), in.get(1)), DataType.INT32)
                .toType(DataType.FLOAT32, false);
        y = new SequenceLoss().evaluate(new NDList(targets), new NDList(y));
      }
      JniUtils.backward((PtNDArray) y, (PtNDArray) y.onesLike(), false, false);
      return System.nanoTime() - t0;
    }
  }

  private static long median(long[] values) {
    long[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }
}
