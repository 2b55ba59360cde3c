package dev.cohort.train.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.data.text.CharVocabulary;
import dev.cohort.train.data.text.Fortunes;
import dev.cohort.train.data.text.TokenWindows;
import dev.cohort.train.model.gpt.Gpt;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.model.gpt.SequenceLoss;
import dev.cohort.train.pipeline.StagePartition;
import dev.cohort.train.pipeline.StagedModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The GPT over a tensor group of t = 2 and 4 ranks trains 20 SGD steps on the fortunes; the same
 * model trains them whole with DJL's own trainer and optimizer. Every replicated parameter ends
 * equal to the whole model's and every shard to its slice, within 1e-5 relative, with 4 all-reduces
 * per layer per step.
 */
@Timeout(300)
class TensorParallelGptTest {
  private static final GptConfig CFG = new GptConfig(CharVocabulary.SIZE, 16, 2, 4, 32, 0);
  private static final int ROWS = 4;
  private static final int STEPS = 20;
  private static final float LR = 0.05f;
  private static final int SEED = 13;
  private static TokenWindows text;

  @BeforeAll
  static void readTheText() throws Exception {
    System.setProperty("ai.djl.offline", "true");
    text = Fortunes.load(Fortunes.DEFAULT_DIR).trainWindows(CFG.context());
  }

  /** The whole model after the steps on batches of {@code rows}: its parameters in block order. */
  private static List<float[]> trainWhole(int rows) {
    SequentialBlock net = Gpt.build(CFG);
    StagedModel whole =
        new StagedModel(net, new StagePartition(new int[] {0}, CFG.layers() + 3), shape());
    // (initialized with ROWS-row shapes: the parameters do not depend on them)
    try (Model model = Model.newInstance("whole")) {
      synchronized (SplitGpt.class) {
        whole.initialize(model.getNDManager(), 0, SEED);
      }
      model.setBlock(net);
      try (Trainer t =
          model.newTrainer(
              new DefaultTrainingConfig(new SequenceLoss())
                  .optOptimizer(
                      Optimizer.sgd().setLearningRateTracker(Tracker.fixed(LR)).build()))) {
        for (int step = 0; step < STEPS; step++) {
          try (NDManager m = t.getManager().newSubManager();
              GradientCollector g = t.newGradientCollector()) {
            NDList xy = text.batch(m, step * rows, rows);
            g.backward(
                t.getLoss().evaluate(new NDList(xy.get(1)), t.forward(new NDList(xy.get(0)))));
          }
          t.step();
        }
      }
      List<float[]> out = new ArrayList<>();
      for (var b : net.getChildren().values()) {
        for (Parameter p : b.getParameters().values()) {
          out.add(p.getArray().toFloatArray());
        }
      }
      return out;
    }
  }

  private static Shape shape() {
    return new Shape(ROWS, CFG.context());
  }

  @Test
  void twoAndFourRanksShouldTrainAsTheWholeModel() throws Exception {
    List<float[]> whole = trainWhole(ROWS);
    for (int t : new int[] {2, 4}) {
      List<List<float[]>> ranks =
          TensorRanks.run(
              t,
              group -> {
                try (SplitGpt gpt =
                    SplitGpt.tensorParallel(
                        group,
                        null,
                        CFG,
                        SEED,
                        shape(),
                        new SequenceLoss(),
                        SplitGpt.Optimizer.SGD)) {
                  for (int step = 0; step < STEPS; step++) {
                    try (NDManager m = NDManager.newBaseManager()) {
                      NDList xy = text.batch(m, step * ROWS, ROWS);
                      gpt.forwardBackward(m, xy.get(0), xy.get(1));
                      gpt.update(step + 1, LR, 1);
                    }
                  }
                  assertThat(gpt.allReduces()).isEqualTo(4 * CFG.layers() * STEPS);
                  // each the size of the residual stream: batch x sequence x width floats
                  assertThat(gpt.allReduceBytes())
                      .isEqualTo(
                          4L * CFG.layers() * STEPS * ROWS * CFG.context() * CFG.width() * 4);
                  List<float[]> out = new ArrayList<>();
                  for (NDArray p : gpt.parameters()) {
                    out.add(p.toFloatArray());
                  }
                  return out;
                }
              });
      for (int r = 0; r < t; r++) {
        List<float[]> got = ranks.get(r);
        List<float[]> want = expected(whole, t, r);
        assertThat(got).hasSameSizeAs(want);
        for (int p = 0; p < want.size(); p++) {
          assertThat(TensorRanks.relative(got.get(p), want.get(p)))
              .as("parameter %d, t=%d rank %d", p, t, r)
              .isLessThan(1e-5);
        }
      }
    }
  }

  @Test
  void twoReplicasOfTwoTensorRanksShouldTrainAsTheWholeModelOnTheirJointBatch() throws Exception {
    List<float[]> whole = trainWhole(2 * ROWS);
    // World rank w: tensor rank w % 2 of replica w / 2; replica d takes the d-th half of a batch.
    List<List<float[]>> ranks =
        TensorRanks.run(
            4,
            world -> {
              ProcessGroup tensor = null;
              ProcessGroup data = null;
              for (List<Integer> ranksOf : List.of(List.of(0, 1), List.of(2, 3))) {
                ProcessGroup g = world.newSubGroup(ranksOf);
                tensor = g != null ? g : tensor;
              }
              for (List<Integer> ranksOf : List.of(List.of(0, 2), List.of(1, 3))) {
                ProcessGroup g = world.newSubGroup(ranksOf);
                data = g != null ? g : data;
              }
              int replica = world.rank() / 2;
              try (ProcessGroup t = tensor;
                  ProcessGroup d = data;
                  SplitGpt gpt =
                      SplitGpt.tensorParallel(
                          t, d, CFG, SEED, shape(), new SequenceLoss(), SplitGpt.Optimizer.SGD)) {
                for (int step = 0; step < STEPS; step++) {
                  try (NDManager m = NDManager.newBaseManager()) {
                    NDList xy = text.batch(m, (2 * step + replica) * ROWS, ROWS);
                    gpt.forwardBackward(m, xy.get(0), xy.get(1));
                    gpt.update(step + 1, LR, 1);
                  }
                }
                List<float[]> out = new ArrayList<>();
                for (NDArray p : gpt.parameters()) {
                  out.add(p.toFloatArray());
                }
                return out;
              }
            });
    for (int w = 0; w < 4; w++) {
      List<float[]> want = expected(whole, 2, w % 2);
      for (int p = 0; p < want.size(); p++) {
        assertThat(TensorRanks.relative(ranks.get(w).get(p), want.get(p)))
            .as("parameter %d, world rank %d", p, w)
            .isLessThan(1e-5);
      }
    }
  }

  /**
   * The whole model's parameters as rank r of t holds them: embeddings, final norm and head whole,
   * then each layer's shards.
   */
  private static List<float[]> expected(List<float[]> whole, int t, int r) {
    int perLayer = 12;
    int embeddings = whole.size() - CFG.layers() * perLayer - 4; // norm (2) and head (2) at the end
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < embeddings; i++) {
      out.add(whole.get(i));
    }
    out.addAll(whole.subList(whole.size() - 4, whole.size()));
    int w = CFG.width();
    long from = (long) w / t * r;
    long to = from + w / t;
    long hFrom = 4L * w / t * r;
    long hTo = hFrom + 4L * w / t;
    try (NDManager m = NDManager.newBaseManager()) {
      for (int l = 0; l < CFG.layers(); l++) {
        int at = embeddings + l * perLayer;
        String hidden = hFrom + ":" + hTo;
        out.add(whole.get(at));
        out.add(whole.get(at + 1));
        out.add(TensorRanks.stackedRows(m, whole.get(at + 2), new Shape(3L * w, w), w, from, to));
        out.add(TensorRanks.stackedRows(m, whole.get(at + 3), new Shape(3L * w), w, from, to));
        out.add(TensorRanks.slice(m, whole.get(at + 4), new Shape(w, w), ":, " + from + ":" + to));
        out.add(whole.get(at + 5));
        out.add(whole.get(at + 6));
        out.add(whole.get(at + 7));
        out.add(TensorRanks.slice(m, whole.get(at + 8), new Shape(4L * w, w), hidden + ", :"));
        out.add(TensorRanks.slice(m, whole.get(at + 9), new Shape(4L * w), hidden));
        out.add(TensorRanks.slice(m, whole.get(at + 10), new Shape(w, 4L * w), ":, " + hidden));
        out.add(whole.get(at + 11));
      }
    }
    return out;
  }
}
