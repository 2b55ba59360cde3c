package dev.cohort.train.moe;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.train.LayerSplit;
import dev.cohort.train.data.text.CharVocabulary;
import dev.cohort.train.data.text.Fortunes;
import dev.cohort.train.data.text.TokenWindows;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.model.gpt.SequenceLoss;
import dev.cohort.train.split.SplitGroups;
import dev.cohort.train.tensor.SplitGpt;
import dev.cohort.train.tensor.TensorParallelLayer;
import dev.cohort.train.tensor.TensorRanks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The GPT with a mixture of 4 experts per layer, expert parallel over 2 and 4 workers (each with a
 * batch of its own), against every expert on 1 worker running the same batches one after the other
 * and averaging their gradients (the same routing: capacity counts one batch's tokens either way).
 * After 20 SGD steps every parameter is equal within 1e-5 relative; before them the logits of each
 * batch within 1e-6; and every layer made 4 all-to-alls per step of {@code E C width} values.
 */
@Timeout(300)
class ExpertParallelTest {
  private static final GptConfig CFG = new GptConfig(CharVocabulary.SIZE, 16, 2, 4, 32, 0);
  private static final int ROWS = 4;
  private static final int STEPS = 20;
  private static final float LR = 0.05f;
  private static final int SEED = 17;
  private static final int PER_LAYER = 13; // norm1 (2), attention (4), norm2 (2), router, experts
  private static TokenWindows text;

  @BeforeAll
  static void readTheText() throws Exception {
    System.setProperty("ai.djl.offline", "true");
    text = Fortunes.load(Fortunes.DEFAULT_DIR).trainWindows(CFG.context());
  }

  private static Shape shape() {
    return new Shape(ROWS, CFG.context());
  }

  /** What one worker ended with. */
  private record Trained(
      List<float[]> logits,
      List<float[]> parameters,
      int allToAlls,
      long bytes,
      MoeLoad.Totals load) {}

  /**
   * {@code workers} batches per step: on one worker in turn (groups null) or one per worker.
   *
   * @param batches the batch indices this worker takes at step 0 (then + workers each step)
   */
  private static Trained train(
      MoeGpt.Groups groups, MoeSettings settings, int workers, int[] batches) {
    try (SplitGpt gpt =
        MoeGpt.build(
            groups, CFG, settings, SEED, shape(), new SequenceLoss(), SplitGpt.Optimizer.SGD)) {
      List<float[]> logits = new ArrayList<>();
      for (int b : batches) {
        try (NDManager m = NDManager.newBaseManager()) {
          logits.add(gpt.logits(m, text.batch(m, b * ROWS, ROWS).get(0)).toFloatArray());
        }
      }
      for (int step = 0; step < STEPS; step++) {
        for (int b : batches) {
          try (NDManager m = NDManager.newBaseManager()) {
            NDList xy = text.batch(m, (step * workers + b) * ROWS, ROWS);
            gpt.forwardBackward(m, xy.get(0), xy.get(1));
          }
        }
        gpt.update(step + 1, LR, 1f / batches.length);
      }
      List<float[]> out = new ArrayList<>();
      for (NDArray p : gpt.parameters()) {
        out.add(p.toFloatArray());
      }
      int allToAlls = 0;
      long bytes = 0;
      MoeLoad.Totals load = MoeLoad.Totals.none(settings.experts());
      for (TensorParallelLayer layer : gpt.layers()) {
        MoeFeedForward moe = (MoeFeedForward) layer.feedForward();
        allToAlls += moe.allToAlls();
        bytes += moe.allToAllBytes();
        load = load.plus(moe.drainLoad());
      }
      return new Trained(logits, out, allToAlls, bytes, load);
    }
  }

  @Test
  void topOneOverTwoWorkersAndTopTwoOverFourShouldTrainAsEveryExpertOnOneWorker() throws Exception {
    for (int workers : new int[] {2, 4}) {
      MoeSettings settings = new MoeSettings(4, workers == 2 ? 1 : 2, 1.0, 0.01);
      int[] all = new int[workers];
      Arrays.setAll(all, i -> i);
      Trained one = train(MoeGpt.Groups.ALONE, settings, workers, all);
      List<Trained> spread =
          TensorRanks.run(
              workers,
              world ->
                  train(
                      new MoeGpt.Groups(world, world, null),
                      settings,
                      workers,
                      new int[] {world.rank()}));
      int capacity = settings.capacity(ROWS * CFG.context());
      long perExchange = 4L * settings.experts() * capacity * CFG.width();
      for (int r = 0; r < workers; r++) {
        Trained got = spread.get(r);
        String at = workers + " workers, rank " + r;
        assertThat(TensorRanks.relative(got.logits().get(0), one.logits().get(r)))
            .as("logits, %s", at)
            .isLessThan(1e-6);
        List<float[]> want = expected(one.parameters(), workers, r);
        for (int p = 0; p < want.size(); p++) {
          assertThat(TensorRanks.relative(got.parameters().get(p), want.get(p)))
              .as("parameter %d, %s", p, at)
              .isLessThan(1e-5);
        }
        // The forward before training and the 20 steps: 2 all-to-alls per forward, 2 per backward.
        assertThat(got.allToAlls())
            .as("all-to-alls, %s", at)
            .isEqualTo(CFG.layers() * (2 + 4 * STEPS));
        assertThat(got.bytes())
            .as("all-to-all bytes, %s", at)
            .isEqualTo(got.allToAlls() * perExchange);
      }
      MoeLoad.Totals total =
          spread.stream().map(Trained::load).reduce(MoeLoad.Totals::plus).orElseThrow();
      assertThat(total.perExpert()).as("tokens per expert").isEqualTo(one.load().perExpert());
      assertThat(total.dropped()).as("dropped").isEqualTo(one.load().dropped()).isPositive();
      assertThat(total.choices()).isEqualTo(Arrays.stream(total.perExpert()).sum());
    }
  }

  @Test
  void replicasOfExpertGroupsShouldTrainAsEveryExpertOnOneWorker() throws Exception {
    // 4 workers in expert groups of 2, then 2 workers each holding every expert (g = 1: the
    // world itself averages the experts). World rank w is rank w % g of expert group w / g; its
    // replicas are the ranks with the same w % g. Shared weights average over all the workers,
    // the experts over their replicas and times 1/g.
    for (int[] layout : new int[][] {{4, 2}, {2, 1}}) {
      int workers = layout[0];
      int g = layout[1];
      MoeSettings settings = new MoeSettings(4, 1, 1.0, 0.01);
      LayerSplit split = new LayerSplit(1, 4, 1, 1.0, 0.01, g);
      int[] all = new int[workers];
      Arrays.setAll(all, i -> i);
      Trained one = train(MoeGpt.Groups.ALONE, settings, workers, all);
      List<Trained> spread =
          TensorRanks.run(
              workers,
              world -> {
                try (SplitGroups groups = SplitGroups.of(world, split, CFG)) {
                  assertThat(groups.size()).isEqualTo(g);
                  if (g > 1) {
                    assertThat(groups.group().rank()).isEqualTo(world.rank() % g);
                  }
                  assertThat(groups.replicas().rank()).isEqualTo(world.rank() / g);
                  assertThat(groups.dataReplica()).isEqualTo(world.rank());
                  return train(groups.experts(), settings, workers, new int[] {world.rank()});
                }
              });
      for (int w = 0; w < workers; w++) {
        List<float[]> want = expected(one.parameters(), g, w % g);
        for (int p = 0; p < want.size(); p++) {
          assertThat(TensorRanks.relative(spread.get(w).parameters().get(p), want.get(p)))
              .as("parameter %d, world rank %d of %d in groups of %d", p, w, workers, g)
              .isLessThan(1e-5);
        }
      }
    }
  }

  /**
   * One worker's parameters as rank r of g holds them: its quarter or half of each expert stack.
   */
  private static List<float[]> expected(List<float[]> whole, int g, int r) {
    List<float[]> out = new ArrayList<>();
    int layersFrom = whole.size() - CFG.layers() * PER_LAYER;
    for (int i = 0; i < whole.size(); i++) {
      boolean expert = i >= layersFrom && (i - layersFrom) % PER_LAYER >= PER_LAYER - 4;
      float[] w = whole.get(i);
      out.add(expert ? Arrays.copyOfRange(w, w.length / g * r, w.length / g * (r + 1)) : w);
    }
    return out;
  }

  @Test
  void expertsThatDoNotSpreadEvenlyShouldBeRefused() throws Exception {
    List<String> errors =
        TensorRanks.run(
            3,
            world -> {
              try {
                MoeGpt.build(
                        new MoeGpt.Groups(world, world, null),
                        CFG,
                        new MoeSettings(4, 1, 1, 0),
                        SEED,
                        shape(),
                        new SequenceLoss(),
                        SplitGpt.Optimizer.SGD)
                    .close();
                return "built";
              } catch (IllegalArgumentException e) {
                return e.getMessage();
              }
            });
    assertThat(errors)
        .allMatch(
            m ->
                m.equals(
                    "4 experts cannot be spread evenly over an expert group of 3 workers: use a group size that divides --experts"));
  }
}
