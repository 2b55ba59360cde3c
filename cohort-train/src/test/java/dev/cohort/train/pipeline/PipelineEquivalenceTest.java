package dev.cohort.train.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import dev.cohort.train.data.text.CharVocabulary;
import dev.cohort.train.data.text.Fortunes;
import dev.cohort.train.data.text.TokenWindows;
import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.model.gpt.Gpt;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.model.gpt.SequenceLoss;
import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.Schedules;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The GPT cut into pipeline stages, each rank a thread with its own process group, trains 20 SGD
 * steps of 4 micro-batches; one unsplit model trains on the same global batches with DJL's own
 * trainer and optimizer. Every parameter ends equal within 1e-5 relative, for GPipe and 1F1B on 2
 * and 3 ranks, interleaved 1F1B on 2 ranks with 2 stages each, and two 1F1B pipelines of 2 ranks (4
 * workers, gradients averaged between the pipelines) against the unsplit model on their joint
 * batch. Each step, every rank holds exactly the activation and transfer-buffer bytes that {@link
 * PipelineMemory} predicts from the sizes alone.
 */
@Timeout(300)
class PipelineEquivalenceTest {
  private static final byte[] SECRET = Secrets.generate().getBytes(StandardCharsets.UTF_8);
  private static final GptConfig CFG = new GptConfig(CharVocabulary.SIZE, 16, 4, 2, 32, 0);
  private static final int MICRO = 4;
  private static final int PER_MICRO = 2;
  private static final int STEPS = 20;
  private static final float LR = 0.05f;
  private static final int SEED = 11;
  private static final float CLIP = 0.2f;
  private static final Map<String, Map<String, float[]>> REFERENCES = new HashMap<>();
  private static TokenWindows text;

  @BeforeAll
  static void readTheText() throws Exception {
    System.setProperty("ai.djl.offline", "true");
    text = Fortunes.load(Fortunes.DEFAULT_DIR).trainWindows(CFG.context());
  }

  /**
   * The unsplit model after training on the global batches of {@code pipelines} pipelines, its
   * gradient's norm clipped to {@code clip} (0: not clipped).
   */
  private static Map<String, float[]> reference(int pipelines, float clip) {
    return REFERENCES.computeIfAbsent(pipelines + "/" + clip, k -> trainUnsplit(pipelines, clip));
  }

  private static Map<String, float[]> trainUnsplit(int pipelines, float clip) {
    int global = pipelines * MICRO * PER_MICRO;
    SequentialBlock net = Gpt.build(CFG);
    StagedModel whole = new StagedModel(net, new StagePartition(new int[] {0}, 7), microShape());
    try (Model model = Model.newInstance("reference")) {
      whole.initialize(model.getNDManager(), 0, SEED);
      model.setBlock(net);
      try (Trainer t =
          model.newTrainer(
              new DefaultTrainingConfig(new SequenceLoss())
                  .optOptimizer(
                      Optimizer.sgd().setLearningRateTracker(Tracker.fixed(LR)).build()))) {
        for (int step = 0; step < STEPS; step++) {
          try (NDManager m = t.getManager().newSubManager();
              GradientCollector g = t.newGradientCollector()) {
            NDList xy = text.batch(m, step * global, global);
            g.backward(
                t.getLoss().evaluate(new NDList(xy.get(1)), t.forward(new NDList(xy.get(0)))));
          }
          if (clip > 0) {
            clip(net, clip);
          }
          t.step();
        }
      }
      return parameters(net.getChildren().values(), 0, 7);
    }
  }

  private static Shape microShape() {
    return new Shape(PER_MICRO, CFG.context());
  }

  /** Scales the model's gradient down to norm {@code bound} if it is longer, by hand. */
  private static void clip(SequentialBlock net, float bound) {
    List<NDArray> grads = new ArrayList<>();
    double sum = 0;
    for (ai.djl.util.Pair<String, Parameter> p : net.getParameters()) {
      if (p.getValue().requiresGradient()) {
        NDArray g = p.getValue().getArray().getGradient();
        grads.add(g);
        for (float v : g.toFloatArray()) {
          sum += (double) v * v;
        }
      }
    }
    double norm = Math.sqrt(sum);
    assertThat(norm).as("the bound must bite for the test to mean anything").isGreaterThan(bound);
    for (NDArray g : grads) {
      g.muli((float) (bound / (norm + 1e-6)));
      g.close();
    }
  }

  /** Parameters of blocks [from, to), keyed by block index and name. */
  private static Map<String, float[]> parameters(List<Block> blocks, int from, int to) {
    Map<String, float[]> out = new HashMap<>();
    for (int i = from; i < to; i++) {
      for (ai.djl.util.Pair<String, Parameter> e : blocks.get(i).getParameters()) {
        Parameter p = e.getValue();
        if (p.requiresGradient()) {
          out.put(i + "/" + e.getKey(), p.getArray().toFloatArray());
        }
      }
    }
    return out;
  }

  @Test
  void gpipeOnTwoRanksShouldTrainAsTheUnsplitModel() throws Exception {
    assertMatches(Schedules.gpipe(2, MICRO), new int[] {0, 3});
  }

  @Test
  void oneForwardOneBackwardOnTwoAndThreeRanksShouldTrainAsTheUnsplitModel() throws Exception {
    assertMatches(Schedules.oneForwardOneBackward(2, MICRO), new int[] {0, 3});
    assertMatches(Schedules.oneForwardOneBackward(3, MICRO), new int[] {0, 2, 4});
  }

  @Test
  void gpipeOnThreeRanksShouldTrainAsTheUnsplitModel() throws Exception {
    assertMatches(Schedules.gpipe(3, MICRO), new int[] {0, 2, 4});
  }

  @Test
  void interleavedOneForwardOneBackwardShouldTrainAsTheUnsplitModel() throws Exception {
    assertMatches(Schedules.interleaved(2, 2, MICRO), new int[] {0, 2, 3, 4});
  }

  @Test
  void twoPipelinesOfTwoStagesShouldTrainAsTheUnsplitModelOnTheirJointBatch() throws Exception {
    assertMatches(Schedules.oneForwardOneBackward(2, MICRO), new int[] {0, 3}, 2, 0);
  }

  @Test
  void clippingShouldBoundTheWholeModelsGradientNormAcrossStages() throws Exception {
    // The bound is below the gradient's norm at every step (the reference checks), so a stage
    // that clipped its own part alone would scale differently.
    assertMatches(Schedules.oneForwardOneBackward(3, MICRO), new int[] {0, 2, 4}, 1, CLIP);
    assertMatches(Schedules.oneForwardOneBackward(2, MICRO), new int[] {0, 3}, 2, CLIP);
  }

  private void assertMatches(Schedule schedule, int[] starts) throws Exception {
    assertMatches(schedule, starts, 1, 0);
  }

  private void assertMatches(Schedule schedule, int[] starts, int pipelines, float clip)
      throws Exception {
    int ranks = schedule.layout().ranks() * pipelines;
    CommConfig cfg =
        CommConfig.defaults(SECRET).toBuilder().timeout(Duration.ofSeconds(60)).build();
    Map<String, float[]> trained = new HashMap<>();
    List<Float> losses = new ArrayList<>();
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, SECRET, 1 << 20)) {
      List<CompletableFuture<Map<String, float[]>>> all = new ArrayList<>();
      for (int r = 0; r < ranks; r++) {
        int rank = r;
        all.add(
            CompletableFuture.supplyAsync(
                () ->
                    rank(
                        cfg,
                        server,
                        new Placement(rank, ranks, schedule, starts, clip),
                        rank == 0 ? losses : null)));
      }
      for (CompletableFuture<Map<String, float[]>> f : all) {
        trained.putAll(f.get(240, TimeUnit.SECONDS));
      }
    }
    Map<String, float[]> reference = reference(pipelines, clip);
    assertThat(trained.keySet()).isEqualTo(reference.keySet());
    for (var e : reference.entrySet()) {
      float[] want = e.getValue();
      float[] got = trained.get(e.getKey());
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < want.length; i++) {
        diff += (got[i] - want[i]) * (double) (got[i] - want[i]);
        norm += want[i] * (double) want[i];
      }
      assertThat(Math.sqrt(diff / norm))
          .as(schedule.name() + " on " + ranks + " ranks: parameter " + e.getKey())
          .isLessThan(1e-5);
    }
    assertThat(losses).hasSize(STEPS);
    assertThat(losses.get(STEPS - 1)).isLessThan(losses.get(0));
  }

  /** One rank's part: its world rank, the world's size, the schedule and stages, the clipping. */
  private record Placement(int rank, int worldSize, Schedule schedule, int[] starts, float clip) {}

  private static Map<String, float[]> rank(
      CommConfig cfg, StoreServer server, Placement at, List<Float> losses) {
    int rank = at.rank();
    int worldSize = at.worldSize();
    Schedule schedule = at.schedule();
    int[] starts = at.starts();
    int pipelineSize = schedule.layout().ranks();
    int pipelines = worldSize / pipelineSize;
    try (TcpStore store =
            TcpStore.connect("127.0.0.1", server.port(), SECRET, Duration.ofSeconds(10), 1 << 20);
        ProcessGroup world = ProcessGroups.join(cfg, store, rank, worldSize, 0);
        PipelineGroups groups = PipelineGroups.split(world, pipelineSize);
        NDManager manager = NDManager.newBaseManager()) {
      SequentialBlock net = Gpt.build(CFG);
      StagedModel model = new StagedModel(net, new StagePartition(starts, 7), microShape());
      PipelineRank pipe =
          new PipelineRank(
              groups,
              schedule,
              model,
              new PipelineRank.Settings(new SequenceLoss(), SEED, "sgd", 0, at.clip()),
              manager);
      List<WorkerMemory> predicted =
          PipelineMemory.plan(CFG, schedule, model.partition(), PER_MICRO, "sgd", 0);
      for (int step = 0; step < STEPS; step++) {
        try (NDManager m = manager.newSubManager()) {
          List<NDArray> in = new ArrayList<>();
          List<NDArray> out = new ArrayList<>();
          for (int k = 0; k < MICRO; k++) {
            // Pipeline d takes the d-th share of the global batch.
            int first = ((step * pipelines + groups.pipelineIndex()) * MICRO + k) * PER_MICRO;
            NDList xy = text.batch(m, first, PER_MICRO);
            in.add(xy.get(0));
            out.add(xy.get(1));
          }
          PipelineRank.Outcome o = pipe.step(new PipelineRank.MicroBatches(in, out), LR);
          if (losses != null) {
            losses.add(o.loss());
          }
          // What the rank held is what the plan, from the sizes alone, says it would.
          WorkerMemory planned = predicted.get(groups.pipeline().rank());
          assertThat(o.activationBytes()).isEqualTo(planned.activations());
          assertThat(o.bufferBytes()).isEqualTo(planned.buffers());
        }
      }
      Map<String, float[]> mine = new HashMap<>();
      List<Block> blocks = List.copyOf(net.getChildren().values());
      for (int s : schedule.layout().stagesOf(groups.pipeline().rank())) {
        mine.putAll(parameters(blocks, model.partition().start(s), model.partition().end(s)));
      }
      return mine;
    }
  }
}
