package dev.cohort.train.tensor;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The MLP split over t = 2 and 4 ranks (threads with real process groups) against the unsplit MLP
 * from the same master weights: the same output within 1e-6 relative, each rank's weight gradients
 * the matching slices of the unsplit gradients and the input's gradient the whole one, within 1e-5
 * relative, with one all-reduce forward and one backward.
 */
@Timeout(120)
class TensorParallelMlpTest {
  private static final int WIDTH = 16;
  private static final int HIDDEN = 64;
  private static final int ROWS = 6;

  @BeforeAll
  static void offline() {
    System.setProperty("ai.djl.offline", "true");
  }

  /** Master weights, input and upstream gradient, the same on every rank (one seed). */
  private static List<NDArray> masters(NDManager m) {
    synchronized (TensorParallelMlpTest.class) { // the engine's seed is global
      Engine.getInstance().setRandomSeed(7);
      return List.of(
          m.randomNormal(0, 0.2f, new Shape(HIDDEN, WIDTH), ai.djl.ndarray.types.DataType.FLOAT32),
          m.randomNormal(0, 0.2f, new Shape(HIDDEN), ai.djl.ndarray.types.DataType.FLOAT32),
          m.randomNormal(0, 0.2f, new Shape(WIDTH, HIDDEN), ai.djl.ndarray.types.DataType.FLOAT32),
          m.randomNormal(0, 0.2f, new Shape(WIDTH), ai.djl.ndarray.types.DataType.FLOAT32),
          m.randomNormal(0, 1f, new Shape(ROWS, WIDTH), ai.djl.ndarray.types.DataType.FLOAT32),
          m.randomNormal(0, 1f, new Shape(ROWS, WIDTH), ai.djl.ndarray.types.DataType.FLOAT32));
    }
  }

  @Test
  void twoAndFourRanksShouldComputeWhatOneDoes() throws Exception {
    TensorRanks.Outcome whole = unsplit();
    for (int t : new int[] {2, 4}) {
      List<TensorRanks.Outcome> ranks = run(t);
      for (int r = 0; r < t; r++) {
        TensorRanks.assertMatches(
            ranks.get(r), whole, slices(whole, t, r), 1e-6, 2, "t=" + t + " rank " + r);
      }
    }
  }

  @Test
  void aHiddenWidthThatDoesNotSplitShouldBeRefused() throws Exception {
    assertThatThrownBy(() -> run(3))
        .hasRootCauseMessage(
            "the MLP's hidden width (64) cannot be split evenly over 3 tensor-parallel ranks: use"
                + " a tensor group size that divides 64");
  }

  private static TensorRanks.Outcome unsplit() {
    try (NDManager m = NDManager.newBaseManager()) {
      List<NDArray> w = masters(m);
      JniUtils.setGradMode(true);
      try {
        for (int i = 0; i < 5; i++) {
          w.get(i).setRequiresGradient(true);
        }
        NDArray x = w.get(4);
        NDArray y =
            Activation.gelu(x.matMul(w.get(0).transpose()).add(w.get(1)))
                .matMul(w.get(2).transpose())
                .add(w.get(3));
        JniUtils.backward((PtNDArray) y, (PtNDArray) w.get(5), false, false);
        List<float[]> grads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          grads.add(w.get(i).getGradient().toFloatArray());
        }
        return new TensorRanks.Outcome(y.toFloatArray(), x.getGradient().toFloatArray(), grads, 0);
      } finally {
        JniUtils.setGradMode(false);
      }
    }
  }

  /** The unsplit gradients' slices that rank r of t holds. */
  private static List<float[]> slices(TensorRanks.Outcome whole, int t, int r) {
    try (NDManager m = NDManager.newBaseManager()) {
      String rows = (long) HIDDEN / t * r + ":" + ((long) HIDDEN / t * (r + 1));
      return List.of(
          TensorRanks.slice(m, whole.grads().get(0), new Shape(HIDDEN, WIDTH), rows + ", :"),
          TensorRanks.slice(m, whole.grads().get(1), new Shape(HIDDEN), rows),
          TensorRanks.slice(m, whole.grads().get(2), new Shape(WIDTH, HIDDEN), ":, " + rows),
          whole.grads().get(3));
    }
  }

  private static List<TensorRanks.Outcome> run(int t) throws Exception {
    return TensorRanks.run(
        t,
        group -> {
          try (NDManager m = NDManager.newBaseManager()) {
            List<NDArray> w = masters(m);
            return TensorRanks.forwardBackward(
                new TensorParallelMlp(group, m, w.get(0), w.get(1), w.get(2), w.get(3)),
                w.get(4),
                w.get(5));
          }
        });
  }
}
