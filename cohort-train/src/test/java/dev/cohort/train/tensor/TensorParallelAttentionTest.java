package dev.cohort.train.tensor;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.cohort.train.model.gpt.CausalAttention;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Causal self-attention split by heads over t = 2 and 4 ranks against the unsplit attention from
 * the same master weights (the model's own {@link CausalAttention}): the same output within 1e-6
 * relative, each rank's gradients the matching slices of the unsplit ones and the input's gradient
 * the whole one within 1e-5 relative, one all-reduce each way.
 */
@Timeout(120)
class TensorParallelAttentionTest {
  private static final int HEADS = 4;
  private static final int WIDTH = 16;
  private static final Shape INPUT = new Shape(2, 5, WIDTH);

  @BeforeAll
  static void offline() {
    System.setProperty("ai.djl.offline", "true");
  }

  /** Master weights (qkv weight and bias, projection weight and bias), input, upstream gradient. */
  private static List<NDArray> masters(NDManager m) {
    synchronized (TensorParallelAttentionTest.class) { // the engine's seed is global
      Engine.getInstance().setRandomSeed(3);
      return List.of(
          m.randomNormal(0, 0.3f, new Shape(3 * WIDTH, WIDTH), DataType.FLOAT32),
          m.randomNormal(0, 0.3f, new Shape(3 * WIDTH), DataType.FLOAT32),
          m.randomNormal(0, 0.3f, new Shape(WIDTH, WIDTH), DataType.FLOAT32),
          m.randomNormal(0, 0.3f, new Shape(WIDTH), DataType.FLOAT32),
          m.randomNormal(0, 1f, INPUT, DataType.FLOAT32),
          m.randomNormal(0, 1f, INPUT, DataType.FLOAT32));
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
  void headsThatDoNotSplitShouldBeRefused() {
    assertThatThrownBy(() -> run(3))
        .hasRootCauseMessage(
            "the attention's heads (4) cannot be split evenly over 3 tensor-parallel ranks: use a"
                + " tensor group size that divides 4");
  }

  private static TensorRanks.Outcome unsplit() {
    try (NDManager m = NDManager.newBaseManager()) {
      List<NDArray> w = masters(m);
      JniUtils.setGradMode(true);
      try {
        for (int i = 0; i < 5; i++) {
          w.get(i).setRequiresGradient(true);
        }
        NDArray qkv = w.get(4).matMul(w.get(0).transpose()).add(w.get(1));
        NDArray y =
            CausalAttention.attend(qkv, HEADS, WIDTH / HEADS, UnaryOperator.identity())
                .matMul(w.get(2).transpose())
                .add(w.get(3));
        JniUtils.backward((PtNDArray) y, (PtNDArray) w.get(5), false, false);
        List<float[]> grads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          grads.add(w.get(i).getGradient().toFloatArray());
        }
        return new TensorRanks.Outcome(
            y.toFloatArray(), w.get(4).getGradient().toFloatArray(), grads, 0);
      } finally {
        JniUtils.setGradMode(false);
      }
    }
  }

  /** The unsplit gradients' parts that rank r of t holds: its heads' rows and columns. */
  private static List<float[]> slices(TensorRanks.Outcome whole, int t, int r) {
    try (NDManager m = NDManager.newBaseManager()) {
      long from = (long) WIDTH / t * r;
      long to = from + WIDTH / t;
      return List.of(
          TensorRanks.stackedRows(
              m, whole.grads().get(0), new Shape(3 * WIDTH, WIDTH), WIDTH, from, to),
          TensorRanks.stackedRows(m, whole.grads().get(1), new Shape(3 * WIDTH), WIDTH, from, to),
          TensorRanks.slice(
              m, whole.grads().get(2), new Shape(WIDTH, WIDTH), ":, " + from + ":" + to),
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
                new TensorParallelAttention(
                    group, m, HEADS, w.get(0), w.get(1), w.get(2), w.get(3)),
                w.get(4),
                w.get(5));
          }
        });
  }
}
