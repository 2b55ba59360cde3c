package dev.cohort.train.tensor;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
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
 * A whole transformer layer over t = 2 and 4 ranks against the same layer unsplit, in one graph:
 * output within 1e-6 relative, every gradient (the replicated norms' whole, the regions' slices)
 * and the input's within 1e-5 relative, and 4 all-reduces per layer per step, as the design says.
 */
@Timeout(120)
class TensorParallelLayerTest {
  private static final int HEADS = 4;
  private static final int WIDTH = 16;
  private static final Shape INPUT = new Shape(2, 5, WIDTH);

  @BeforeAll
  static void offline() {
    System.setProperty("ai.djl.offline", "true");
  }

  /** The layer's 12 weights, then the input and the upstream gradient. */
  private static List<NDArray> masters(NDManager m) {
    synchronized (TensorParallelLayerTest.class) { // the engine's seed is global
      Engine.getInstance().setRandomSeed(5);
      Shape[] shapes = {
        new Shape(WIDTH),
        new Shape(WIDTH),
        new Shape(3 * WIDTH, WIDTH),
        new Shape(3 * WIDTH),
        new Shape(WIDTH, WIDTH),
        new Shape(WIDTH),
        new Shape(WIDTH),
        new Shape(WIDTH),
        new Shape(4 * WIDTH, WIDTH),
        new Shape(4 * WIDTH),
        new Shape(WIDTH, 4 * WIDTH),
        new Shape(WIDTH),
        INPUT,
        INPUT
      };
      List<NDArray> out = new ArrayList<>();
      for (int i = 0; i < shapes.length; i++) {
        float mean = i == 0 || i == 6 ? 1 : 0; // the norms' gains around 1
        out.add(m.randomNormal(mean, i >= 12 ? 1f : 0.3f, shapes[i], DataType.FLOAT32));
      }
      return out;
    }
  }

  @Test
  void twoAndFourRanksShouldComputeTheLayerWithFourAllReduces() throws Exception {
    TensorRanks.Outcome whole = unsplit();
    for (int t : new int[] {2, 4}) {
      List<TensorRanks.Outcome> ranks =
          TensorRanks.run(
              t,
              group -> {
                try (NDManager m = NDManager.newBaseManager()) {
                  List<NDArray> w = masters(m);
                  return TensorRanks.forwardBackward(
                      new TensorParallelLayer(group, m, HEADS, weights(w)), w.get(12), w.get(13));
                }
              });
      for (int r = 0; r < t; r++) {
        // The residual stream's values are a few units: relative, float32's sums in another order.
        TensorRanks.assertMatches(
            ranks.get(r), whole, expected(whole, t, r), 1e-6, 4, "t=" + t + " rank " + r);
      }
    }
  }

  private static TensorParallelLayer.Weights weights(List<NDArray> w) {
    return new TensorParallelLayer.Weights(
        w.get(0), w.get(1), w.get(2), w.get(3), w.get(4), w.get(5), w.get(6), w.get(7), w.get(8),
        w.get(9), w.get(10), w.get(11));
  }

  private static NDArray norm(NDArray x, NDArray gamma, NDArray beta) {
    return LayerNorm.layerNorm(x, new Shape(WIDTH), gamma, beta, 1e-5f).singletonOrThrow();
  }

  /** The layer in one graph, on one rank. */
  private static TensorRanks.Outcome unsplit() {
    try (NDManager m = NDManager.newBaseManager()) {
      List<NDArray> w = masters(m);
      JniUtils.setGradMode(true);
      try {
        for (int i = 0; i < 13; i++) {
          w.get(i).setRequiresGradient(true);
        }
        NDArray x = w.get(12);
        NDArray qkv = norm(x, w.get(0), w.get(1)).matMul(w.get(2).transpose()).add(w.get(3));
        NDArray y1 =
            x.add(
                CausalAttention.attend(qkv, HEADS, WIDTH / HEADS, UnaryOperator.identity())
                    .matMul(w.get(4).transpose())
                    .add(w.get(5)));
        NDArray hidden =
            Activation.gelu(
                norm(y1, w.get(6), w.get(7)).matMul(w.get(8).transpose()).add(w.get(9)));
        NDArray y2 = y1.add(hidden.matMul(w.get(10).transpose()).add(w.get(11)));
        JniUtils.backward((PtNDArray) y2, (PtNDArray) w.get(13), false, false);
        List<float[]> grads = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          grads.add(w.get(i).getGradient().toFloatArray());
        }
        return new TensorRanks.Outcome(y2.toFloatArray(), x.getGradient().toFloatArray(), grads, 0);
      } finally {
        JniUtils.setGradMode(false);
      }
    }
  }

  /** What rank r of t holds of the unsplit gradients, in the layer's parameter order. */
  private static List<float[]> expected(TensorRanks.Outcome whole, int t, int r) {
    try (NDManager m = NDManager.newBaseManager()) {
      long from = (long) WIDTH / t * r;
      long to = from + WIDTH / t;
      String hidden = 4L * WIDTH / t * r + ":" + 4L * WIDTH / t * (r + 1);
      List<float[]> g = whole.grads();
      return List.of(
          g.get(0),
          g.get(1),
          TensorRanks.stackedRows(m, g.get(2), new Shape(3 * WIDTH, WIDTH), WIDTH, from, to),
          TensorRanks.stackedRows(m, g.get(3), new Shape(3 * WIDTH), WIDTH, from, to),
          TensorRanks.slice(m, g.get(4), new Shape(WIDTH, WIDTH), ":, " + from + ":" + to),
          g.get(5),
          g.get(6),
          g.get(7),
          TensorRanks.slice(m, g.get(8), new Shape(4 * WIDTH, WIDTH), hidden + ", :"),
          TensorRanks.slice(m, g.get(9), new Shape(4 * WIDTH), hidden),
          TensorRanks.slice(m, g.get(10), new Shape(WIDTH, 4 * WIDTH), ":, " + hidden),
          g.get(11));
    }
  }
}
