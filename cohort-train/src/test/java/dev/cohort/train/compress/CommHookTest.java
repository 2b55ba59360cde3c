package dev.cohort.train.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.cohort.comm.DataType;
import dev.cohort.comm.Tensor;
import dev.cohort.train.tensor.TensorRanks;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * PowerSGD and top-k against the exact average: what each gets right exactly (vectors, a low-rank
 * average, everything at fraction 1), that error feedback loses nothing (what was sent plus every
 * rank's residual is what was contributed), that every rank ends alike, and that their state
 * survives a snapshot and restore.
 */
class CommHookTest {
  private static final int RANKS = 3;

  /** A 6 x 5 matrix, then a bias of 6: the layout of a linear layer's gradients. */
  private static final BucketLayout LINEAR =
      new BucketLayout(
          36, List.of(new BucketLayout.Block(0, 6, 5), new BucketLayout.Block(30, 1, 6)));

  private static float[] floats(Tensor t) {
    float[] out = new float[t.count()];
    t.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
    return out;
  }

  private static Tensor tensor(float[] values) {
    Tensor t = Tensor.allocate(DataType.FLOAT32, values.length);
    t.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer().put(values);
    return t;
  }

  /** Rank r's gradient: the matrix u_r vᵀ (so the average is of rank 1), then a random bias. */
  private static float[] lowRank(int rank) {
    Random random = new Random(7 + rank);
    float[] g = new float[36];
    float[] v = {1, -2, 0.5f, 3, -1};
    for (int i = 0; i < 6; i++) {
      float u = (float) random.nextGaussian();
      for (int j = 0; j < 5; j++) {
        g[i * 5 + j] = u * v[j];
      }
    }
    for (int i = 30; i < 36; i++) {
      g[i] = (float) random.nextGaussian();
    }
    return g;
  }

  private static float[] exactAverage(int count, java.util.function.IntFunction<float[]> input) {
    float[] avg = new float[count];
    for (int r = 0; r < RANKS; r++) {
      float[] g = input.apply(r);
      for (int i = 0; i < count; i++) {
        avg[i] += g[i] / RANKS;
      }
    }
    return avg;
  }

  @Test
  void powerSgdOfRankOneShouldAverageALowRankMatrixAndTheBiasExactly() throws Exception {
    List<float[]> outs =
        TensorRanks.run(
            RANKS,
            pg -> {
              PowerSgd hook = new PowerSgd(pg, 1, 0, List.of(LINEAR));
              hook.startStep();
              Tensor t = tensor(lowRank(pg.rank()));
              hook.average(t, 0);
              return floats(t);
            });
    float[] exact = exactAverage(36, CommHookTest::lowRank);
    for (int i = 0; i < 36; i++) {
      assertThat(outs.get(0)[i]).as("element %d", i).isCloseTo(exact[i], within(1e-5f));
    }
    assertThat(outs.get(1)).isEqualTo(outs.get(0));
    assertThat(outs.get(2)).isEqualTo(outs.get(0));
  }

  @Test
  void powerSgdShouldSendTheFactorsAndKeepWhatTheyMissForTheNextStep() throws Exception {
    BucketLayout square = new BucketLayout(400, List.of(new BucketLayout.Block(0, 20, 20)));
    List<float[]> outs =
        TensorRanks.run(
            RANKS,
            pg -> {
              PowerSgd hook = new PowerSgd(pg, 2, 1, List.of(square));
              Tensor t = tensor(random(pg.rank(), 400));
              hook.startStep(); // a plain step first: exact
              hook.average(t, 0);
              float[] first = floats(t);
              t = tensor(random(pg.rank(), 400));
              hook.startStep();
              hook.average(t, 0);
              // P and Q, 40 floats each: small, so recursive doubling, ceil(log2 3) = 2 rounds.
              assertThat(hook.stepBytes()).isEqualTo(2 * 2 * 4 * 40);
              Map<String, float[]> state = new LinkedHashMap<>();
              hook.snapshot(state);
              float[] out = floats(t);
              return pg.rank() == 0
                  ? concat(
                      first,
                      out,
                      state.get("compression/error/0/0"),
                      state.get("compression/error/1/0"),
                      state.get("compression/error/2/0"))
                  : concat(first, out);
            });
    float[] exact = exactAverage(400, r -> random(r, 400));
    float[] got = Arrays.copyOfRange(outs.get(0), 0, 400);
    for (int i = 0; i < 400; i++) {
      assertThat(got[i]).isCloseTo(exact[i], within(1e-6f));
    }
    // Rank 2 approximates a rank-20 average: inexact, but what it left out is in the residuals.
    float[] approx = Arrays.copyOfRange(outs.get(0), 400, 800);
    float[] second = exactAverage(400, r -> random(r, 400));
    double off = 0;
    for (int i = 0; i < 400; i++) {
      double residuals = 0;
      for (int r = 0; r < RANKS; r++) {
        residuals += outs.get(0)[800 + r * 400 + i];
      }
      off = Math.max(off, Math.abs(approx[i] - second[i]));
      assertThat(approx[i] + residuals / RANKS).isCloseTo(second[i], within(1e-5));
    }
    assertThat(off).as("rank 2 cannot hold a random 20 x 20 matrix").isGreaterThan(1e-2);
    assertThat(Arrays.copyOfRange(outs.get(1), 400, 800)).isEqualTo(approx);
  }

  @Test
  void topKShouldSendTheLargestValuesAndKeepTheRestForLater() throws Exception {
    int count = 1000;
    List<float[]> outs =
        TensorRanks.run(
            RANKS,
            pg -> {
              TopK hook = new TopK(pg, 0.05, 0, List.of(BucketLayout.flat(count)));
              assertThat(hook.k(0)).isEqualTo(50);
              hook.startStep();
              Tensor t = tensor(random(pg.rank(), count));
              hook.average(t, 0);
              Map<String, float[]> state = new LinkedHashMap<>();
              hook.snapshot(state);
              List<float[]> parts = new ArrayList<>(List.of(floats(t)));
              for (int r = 0; r < RANKS && pg.rank() == 0; r++) {
                parts.add(state.get("compression/error/" + r + "/0"));
              }
              return concat(parts.toArray(float[][]::new));
            });
    float[] got = Arrays.copyOf(outs.get(0), count);
    assertThat(Arrays.copyOf(outs.get(1), count)).isEqualTo(got);
    for (int r = 0; r < RANKS; r++) {
      float[] mine = random(r, count);
      float[] residual = Arrays.copyOfRange(outs.get(0), count * (r + 1), count * (r + 2));
      int kept = 0;
      float smallestSent = Float.MAX_VALUE;
      float largestKept = 0;
      for (int i = 0; i < count; i++) {
        if (residual[i] == 0) {
          smallestSent = Math.min(smallestSent, Math.abs(mine[i]));
        } else {
          assertThat(residual[i]).isEqualTo(mine[i]);
          largestKept = Math.max(largestKept, Math.abs(mine[i]));
          kept++;
        }
      }
      assertThat(kept).as("rank %d sent 50", r).isEqualTo(count - 50);
      assertThat(largestKept).isLessThanOrEqualTo(smallestSent);
    }
    float[] exact = exactAverage(count, r -> random(r, count));
    for (int i = 0; i < count; i++) {
      double residuals = 0;
      for (int r = 0; r < RANKS; r++) {
        residuals += outs.get(0)[count * (r + 1) + i];
      }
      assertThat(got[i] + residuals / RANKS).isCloseTo(exact[i], within(1e-6));
    }
  }

  @Test
  void aZeroGradientShouldNotStopPowerSgdForGood() throws Exception {
    // A step of zeros leaves P, Q and the warm start at zero; without drawing P afresh, every
    // later step would send zeros and the matrix would never be averaged again.
    List<float[]> outs =
        TensorRanks.run(
            RANKS,
            pg -> {
              PowerSgd hook = new PowerSgd(pg, 1, 0, List.of(LINEAR));
              hook.startStep();
              hook.average(tensor(new float[36]), 0);
              hook.startStep();
              Tensor t = tensor(lowRank(pg.rank()));
              hook.average(t, 0);
              return floats(t);
            });
    float largest = 0;
    for (int i = 0; i < 30; i++) {
      largest = Math.max(largest, Math.abs(outs.get(0)[i]));
    }
    assertThat(largest).as("the matrix's average after a step of zeros").isGreaterThan(1e-3f);
    assertThat(outs.get(1)).isEqualTo(outs.get(0));
  }

  @Test
  void aNanShouldBeSentNotKept() throws Exception {
    List<float[]> outs =
        TensorRanks.run(
            RANKS,
            pg -> {
              TopK hook = new TopK(pg, 0.01, 0, List.of(BucketLayout.flat(500)));
              hook.startStep();
              float[] values = random(pg.rank(), 500);
              if (pg.rank() == 1) {
                values[321] = Float.NaN;
              }
              Tensor t = tensor(values);
              hook.average(t, 0);
              return floats(t);
            });
    for (float[] o : outs) {
      assertThat(o[321]).as("the NaN reaches the average, where the trainer sees it").isNaN();
    }
  }

  @Test
  void topKOfEverythingShouldBeTheExactAverage() throws Exception {
    List<float[]> outs =
        TensorRanks.run(
            RANKS,
            pg -> {
              TopK hook = new TopK(pg, 1.0, 0, List.of(BucketLayout.flat(77)));
              hook.startStep();
              Tensor t = tensor(random(pg.rank(), 77));
              hook.average(t, 0);
              return floats(t);
            });
    float[] exact = exactAverage(77, r -> random(r, 77));
    for (int i = 0; i < 77; i++) {
      assertThat(outs.get(0)[i]).isCloseTo(exact[i], within(1e-6f));
    }
  }

  @Test
  void theThresholdShouldBeTheKthLargestMagnitudeWithTiesAndRepeats() throws Exception {
    TopK one = TensorRanks.run(1, pg -> new TopK(pg, 0.5, 0, List.of(BucketLayout.flat(4)))).get(0);
    Random random = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + random.nextInt(300);
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = random.nextInt(4) == 0 ? 0.5f : (float) random.nextGaussian(); // many ties
      }
      int k = 1 + random.nextInt(n);
      float[] sorted = new float[n];
      for (int i = 0; i < n; i++) {
        sorted[i] = Math.abs(v[i]);
      }
      Arrays.sort(sorted);
      assertThat(one.threshold(v, k)).as("n %d, k %d", n, k).isEqualTo(sorted[n - k]);
    }
  }

  @Test
  void stateShouldSurviveASnapshotAndStartOverOnAnotherWorkerCount() throws Exception {
    BucketLayout square = new BucketLayout(64, List.of(new BucketLayout.Block(0, 8, 8)));
    PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
    AtomicReference<Map<String, float[]>> file = new AtomicReference<>();
    // Two steps, a snapshot (rank 0 holds it, as it writes checkpoints), a third step; a fresh hook
    // restored from the snapshot takes the third step to the same values, a fresh one without it
    // does not.
    List<float[][]> outs =
        TensorRanks.run(
            2,
            pg -> {
              PowerSgd a = new PowerSgd(pg, 1, 0, List.of(square));
              for (int step = 0; step < 2; step++) {
                a.startStep();
                a.average(tensor(random(pg.rank() + 10 * step, 64)), 0);
              }
              Map<String, float[]> saved = new LinkedHashMap<>();
              a.snapshot(saved);
              if (pg.rank() == 0) {
                file.set(saved);
              }
              pg.barrier();
              float[][] third = new float[3][];
              PowerSgd restored = new PowerSgd(pg, 1, 0, List.of(square));
              restored.restore(file.get(), quiet);
              PowerSgd fresh = new PowerSgd(pg, 1, 0, List.of(square));
              List<PowerSgd> hooks = List.of(a, restored, fresh);
              for (int h = 0; h < 3; h++) {
                Tensor t = tensor(random(pg.rank() + 20, 64));
                hooks.get(h).startStep();
                hooks.get(h).average(t, 0);
                third[h] = floats(t);
              }
              return third;
            });
    for (float[][] o : outs) {
      assertThat(o[1]).isEqualTo(o[0]);
      assertThat(o[2]).isNotEqualTo(o[0]);
    }
    // Saved by 2 workers, restored on 3: the residuals start at zero, the warm start stays.
    List<Boolean> zero =
        TensorRanks.run(
            3,
            pg -> {
              PowerSgd hook = new PowerSgd(pg, 1, 0, List.of(square));
              java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
              hook.restore(file.get(), new PrintStream(log, true));
              Map<String, float[]> now = new LinkedHashMap<>();
              hook.snapshot(now);
              assertThat(now.get("compression/q/0")).isEqualTo(file.get().get("compression/q/0"));
              if (pg.rank() == 0) {
                assertThat(log.toString())
                    .contains("saved by 2 workers with powersgd")
                    .contains("with 3 and powersgd");
              }
              if (pg.rank() != 0) {
                return true; // the snapshot gathers every rank's residuals to rank 0
              }
              boolean allZero = true;
              for (int r = 0; r < 3; r++) {
                allZero &= Arrays.equals(now.get("compression/error/" + r + "/0"), new float[64]);
              }
              return allZero;
            });
    assertThat(zero).containsOnly(true);
  }

  @Test
  void aSpecShouldNameWhatIsWrong() {
    assertThat(CompressionSpec.parse("powersgd", null))
        .isEqualTo(new CompressionSpec(Compression.POWERSGD, 4, 0, 10));
    assertThat(CompressionSpec.parse("topk:0.001", 0).label()).isEqualTo("topk:0.001");
    assertThat(CompressionSpec.parse("fp16", null).describe()).isEqualTo("fp16");
    assertThatThrownBy(() -> CompressionSpec.parse("powersgd:x", null))
        .hasMessage("--compress powersgd:x: 'x' is not a rank (an integer)");
    assertThatThrownBy(() -> CompressionSpec.parse("topk:2", null))
        .hasMessageContaining("needs a fraction 0 < F <= 1");
    assertThatThrownBy(() -> CompressionSpec.parse("fp16:2", null))
        .hasMessage("--compress fp16 takes no ':' argument, got fp16:2");
    assertThatThrownBy(() -> CompressionSpec.parse("bf16", 5))
        .hasMessage("--compress-start is for --compress powersgd or topk, not bf16");
    assertThatThrownBy(() -> CompressionSpec.parse("zip", null))
        .hasMessageStartingWith("--compress must be one of [none, fp16, bf16, powersgd, topk]");
  }

  private static float[] random(int seed, int count) {
    Random random = new Random(seed);
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  private static float[] concat(float[]... parts) {
    int n = 0;
    for (float[] p : parts) {
      n += p.length;
    }
    float[] out = new float[n];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
