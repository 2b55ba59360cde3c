package dev.cohort.train.moe;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mixture of experts on one worker against a reference written out in plain Java loops: the
 * output of every token is the gate-weighted sum of its kept experts' MLPs; and the backward (the
 * load-balancing loss included) against central finite differences.
 */
class MoeFeedForwardTest {
  private static final int TOKENS = 12;
  private static final int WIDTH = 8;
  private static final int HIDDEN = 16;
  private static final int EXPERTS = 4;

  @BeforeAll
  static void offline() {
    System.setProperty("ai.djl.offline", "true");
  }

  private static float[] input(long seed) {
    Random r = new Random(seed);
    float[] x = new float[TOKENS * WIDTH];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  @Test
  void theOutputShouldBeTheGateWeightedSumOfEachTokensKeptExperts() {
    for (int k : new int[] {1, 2}) {
      MoeSettings settings = new MoeSettings(EXPERTS, k, 0.75, 0.01); // some choices dropped
      try (NDManager m = NDManager.newBaseManager();
          ExpertWeights w = ExpertWeights.draw(m, 3, 0, EXPERTS, WIDTH, HIDDEN)) {
        MoeFeedForward moe = new MoeFeedForward(null, m, settings, w);
        float[] x = input(7);
        float[] y = moe.forward(m.create(x, new Shape(1, TOKENS, WIDTH))).toFloatArray();
        float[] expected = reference(w, settings, x);
        for (int i = 0; i < y.length; i++) {
          assertThat((double) y[i])
              .as("k=%d, value %d", k, i)
              .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5));
        }
        assertThat(moe.drainLoad().dropped()).as("k=%d", k).isPositive();
      }
    }
  }

  /** Plain loops: router softmax, top-k, capacity in order (first choices first), MLPs. */
  private static float[] reference(ExpertWeights w, MoeSettings s, float[] x) {
    float[] router = w.router().toFloatArray();
    float[] w1 = w.w1().toFloatArray();
    float[] b1 = w.b1().toFloatArray();
    float[] w2 = w.w2().toFloatArray();
    float[] b2 = w.b2().toFloatArray();
    int k = s.topK();
    int capacity = s.capacity(TOKENS);
    double[][] p = new double[TOKENS][EXPERTS];
    int[][] chosen = new int[TOKENS][k];
    for (int t = 0; t < TOKENS; t++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int e = 0; e < EXPERTS; e++) {
        double logit = 0;
        for (int d = 0; d < WIDTH; d++) {
          logit += x[t * WIDTH + d] * router[e * WIDTH + d];
        }
        p[t][e] = logit;
        max = Math.max(max, logit);
      }
      double sum = 0;
      for (int e = 0; e < EXPERTS; e++) {
        p[t][e] = Math.exp(p[t][e] - max);
        sum += p[t][e];
      }
      for (int e = 0; e < EXPERTS; e++) {
        p[t][e] /= sum;
      }
      for (int j = 0; j < k; j++) {
        int best = -1;
        for (int e = 0; e < EXPERTS; e++) {
          if ((j == 0 || e != chosen[t][0]) && (best < 0 || p[t][e] > p[t][best])) {
            best = e;
          }
        }
        chosen[t][j] = best;
      }
    }
    boolean[][] kept = new boolean[TOKENS][k];
    int[] load = new int[EXPERTS];
    for (int j = 0; j < k; j++) {
      for (int t = 0; t < TOKENS; t++) {
        kept[t][j] = load[chosen[t][j]]++ < capacity;
      }
    }
    float[] y = new float[TOKENS * WIDTH];
    for (int t = 0; t < TOKENS; t++) {
      double norm = 0;
      for (int j = 0; j < k; j++) {
        norm += p[t][chosen[t][j]];
      }
      for (int j = 0; j < k; j++) {
        if (!kept[t][j]) {
          continue;
        }
        int e = chosen[t][j];
        double gate = k == 1 ? p[t][e] : p[t][e] / norm;
        double[] h = new double[HIDDEN];
        for (int u = 0; u < HIDDEN; u++) {
          double a = b1[e * HIDDEN + u];
          for (int d = 0; d < WIDTH; d++) {
            a += w1[(e * HIDDEN + u) * WIDTH + d] * x[t * WIDTH + d];
          }
          h[u] = 0.5 * a * (1 + erf(a / Math.sqrt(2)));
        }
        for (int d = 0; d < WIDTH; d++) {
          double o = b2[e * WIDTH + d];
          for (int u = 0; u < HIDDEN; u++) {
            o += w2[(e * WIDTH + d) * HIDDEN + u] * h[u];
          }
          y[t * WIDTH + d] += (float) (gate * o);
        }
      }
    }
    return y;
  }

  /** Abramowitz and Stegun 7.1.26 is too coarse; a series/continued form to 1e-12. */
  private static double erf(double z) {
    double t = 1.0 / (1.0 + 0.5 * Math.abs(z));
    double r =
        t
            * Math.exp(
                -z * z
                    - 1.26551223
                    + t
                        * (1.00002368
                            + t
                                * (0.37409196
                                    + t
                                        * (0.09678418
                                            + t
                                                * (-0.18628806
                                                    + t
                                                        * (0.27886187
                                                            + t
                                                                * (-1.13520398
                                                                    + t
                                                                        * (1.48851587
                                                                            + t
                                                                                * (-0.82215223
                                                                                    + t
                                                                                        * 0.17087277)))))))));
    return z >= 0 ? 1 - r : r - 1;
  }

  @Test
  void theBackwardShouldMatchFiniteDifferencesOfTheOutputAndTheBalancingLoss() {
    MoeSettings settings = new MoeSettings(EXPERTS, 2, 2.0, 0.5); // nothing dropped, a heavy α
    float[] x = input(11);
    float[] upstream = input(13);
    try (NDManager m = NDManager.newBaseManager();
        ExpertWeights w = ExpertWeights.draw(m, 5, 1, EXPERTS, WIDTH, HIDDEN)) {
      MoeFeedForward moe = new MoeFeedForward(null, m, settings, w);
      List<NDArray> params = moe.parameters();
      NDArray dx;
      JniUtils.setGradMode(true);
      try {
        moe.forward(m.create(x, new Shape(1, TOKENS, WIDTH)));
        dx = moe.backward(m.create(upstream, new Shape(1, TOKENS, WIDTH)));
      } finally {
        JniUtils.setGradMode(false);
      }
      moe.drainLoad(); // the objective below counts each forward's balancing loss alone
      float[] analytic = dx.toFloatArray();
      double eps = 1e-3;
      for (int i : new int[] {0, 5, 40, 95}) {
        float[] plus = x.clone();
        float[] minus = x.clone();
        plus[i] += (float) eps;
        minus[i] -= (float) eps;
        double numeric =
            (objective(moe, m, plus, upstream) - objective(moe, m, minus, upstream)) / (2 * eps);
        assertThat((double) analytic[i])
            .as("input %d", i)
            .isCloseTo(numeric, org.assertj.core.data.Offset.offset(5e-3));
      }
      float[] routerGrad = params.get(0).getGradient().toFloatArray();
      float[] router = params.get(0).toFloatArray();
      for (int i : new int[] {0, 9, 30}) {
        float saved = router[i];
        router[i] = (float) (saved + eps);
        params.get(0).set(router); // NOPMD: copies into libtorch memory
        double up = objective(moe, m, x, upstream);
        router[i] = (float) (saved - eps);
        params.get(0).set(router);
        double down = objective(moe, m, x, upstream);
        router[i] = saved;
        params.get(0).set(router);
        assertThat((double) routerGrad[i])
            .as("router %d", i)
            .isCloseTo((up - down) / (2 * eps), org.assertj.core.data.Offset.offset(5e-3));
      }
    }
  }

  /** Σ y ⊙ upstream + the balancing loss, without gradients. */
  private static double objective(MoeFeedForward moe, NDManager m, float[] x, float[] upstream) {
    try (NDManager scope = m.newSubManager()) {
      float[] y = moe.forward(scope.create(x, new Shape(1, TOKENS, WIDTH))).toFloatArray();
      double sum = 0;
      for (int i = 0; i < y.length; i++) {
        sum += y[i] * (double) upstream[i];
      }
      MoeLoad.Totals t = moe.drainLoad();
      return sum + t.auxLoss();
    }
  }
}
