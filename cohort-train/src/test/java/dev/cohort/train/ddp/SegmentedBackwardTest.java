package dev.cohort.train.ddp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.Secrets;
import dev.cohort.train.model.Models;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The segmented backward pass against one backward pass of the same model on the same batch: the
 * gradients that reach the buckets are bitwise equal, for every number of segments. A world of one
 * (DJL allows one gradient collector per JVM); multi-worker runs are in cohort-cli's
 * SegmentedTrainingTest.
 */
@Timeout(120)
class SegmentedBackwardTest {
  private static final Loss LOSS = Loss.softmaxCrossEntropyLoss();
  private static ProcessGroup pg;

  @BeforeAll
  static void world() {
    System.setProperty("ai.djl.offline", "true");
    pg =
        ProcessGroups.init(
            CommConfig.defaults(Secrets.generate()),
            new ProcessGroups.Init("127.0.0.1", 0, 0, 1, 0, true));
  }

  @AfterAll
  static void close() {
    pg.close();
  }

  @Test
  void everySegmentCountShouldGiveTheGradientsOfOneBackwardPass() {
    for (Supplier<Block> model :
        List.<Supplier<Block>>of(
            () -> Models.mlpDropout(10), () -> Models.cnnBatchNorm(10), () -> Models.mlpWide(10))) {
      int children = model.get().getChildren().size();
      List<float[]> whole = gradients(model.get(), 1);
      assertThat(whole.get(0))
          .as("a gradient to compare")
          .isNotEqualTo(new float[whole.get(0).length]);
      for (int k = 2; k <= children; k++) {
        List<float[]> cut = gradients(model.get(), k);
        assertThat(cut).hasSameSizeAs(whole);
        for (int i = 0; i < whole.size(); i++) {
          assertThat(cut.get(i)).as("%d segments, parameter %d", k, i).isEqualTo(whole.get(i));
        }
      }
    }
  }

  /** One step's averaged gradients (a world of one: this rank's), {@code k} segments. */
  private static List<float[]> gradients(Block block, int k) {
    try (Model model = Model.newInstance("t")) {
      model.setBlock(block);
      try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(LOSS))) {
        ai.djl.engine.Engine.getInstance().setRandomSeed(3);
        trainer.initialize(new Shape(1, 1, 28, 28));
        List<Parameter> trainable = ModelState.of(block).trainable();
        SegmentedBackward segments = k == 1 ? null : SegmentedBackward.of(block, k, trainable);
        GradientSync sync =
            GradientSync.segmented(
                pg, segments == null ? List.of(trainable) : segments.parameters(), 4096, true);
        RandomStreams.enterStep(7, 0, 0);
        try (NDManager m = trainer.getManager().newSubManager();
            GradientCollector c = trainer.newGradientCollector()) {
          NDArray x = m.randomNormal(new Shape(8, 1, 28, 28));
          NDArray y = m.create(new float[] {0, 1, 2, 3, 4, 5, 6, 7});
          if (segments == null) {
            NDList pred = trainer.forward(new NDList(x));
            NDArray l = LOSS.evaluate(new NDList(y), pred);
            JniUtils.backward((PtNDArray) l, (PtNDArray) l.onesLike(), false, false);
            sync.averageGradients();
          } else {
            NDList pred = segments.forward(new ParameterStore(m, false), new NDList(x));
            List<List<Parameter>> p = segments.parameters();
            long cuts =
                java.util.stream.IntStream.range(1, k)
                    .filter(s -> p.subList(0, s).stream().anyMatch(l -> !l.isEmpty()))
                    .count();
            assertThat(segments.detached())
                .as("segments that start from a leaf: the graph is cut there")
                .isEqualTo(cuts)
                .isGreaterThanOrEqualTo(k - 2);
            segments.backward(LOSS.evaluate(new NDList(y), pred), sync::reduceSegment);
            sync.finish();
          }
        }
        List<float[]> out = new ArrayList<>();
        for (ByteBuffer b : sync.gradientViews()) {
          float[] f = new float[b.capacity() / 4];
          b.asFloatBuffer().get(f);
          out.add(f);
        }
        return out;
      }
    }
  }

  @Test
  void aModelThatIsNotSequentialShouldBeRefusedByName() {
    SegmentedBackward.check(Linear.builder().setUnits(3).build(), 1);
    assertThatThrownBy(() -> SegmentedBackward.check(Linear.builder().setUnits(3).build(), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--backward-segments 2 needs a SequentialBlock model, got Linear;"
                + " use --backward-segments 1");
  }

  @Test
  void moreSegmentsThanBlocksShouldBeRefusedWithTheMost() {
    SegmentedBackward.check(Models.mlp(10), 6);
    assertThatThrownBy(() -> SegmentedBackward.check(Models.mlp(10), 7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--backward-segments 7 is more than the model's 6 blocks; use at most 6");
    assertThatThrownBy(() -> SegmentedBackward.check(Models.mlp(10), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backward segments must be >= 1, got 0");
  }

  @Test
  void aBlockThatReturnsItsIntermediateOutputsShouldBeRefused() {
    SequentialBlock seq = (SequentialBlock) Models.mlp(10);
    seq.setReturnIntermediate(true);
    assertThatThrownBy(() -> SegmentedBackward.check(seq, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("returns its intermediate outputs");
  }

  @Test
  void segmentsThatMeetAtTwoArraysShouldBeRefusedWhenTheForwardPassReachesThem() {
    // dense | duplicate | add, dense: the second segment would start from two arrays.
    Block twoArrays =
        new SequentialBlock()
            .add(Linear.builder().setUnits(4).build())
            .add(x -> new NDList(x.head(), x.head()))
            .add(x -> new NDList(x.get(0).add(x.get(1))))
            .add(Linear.builder().setUnits(4).build());
    try (Model model = Model.newInstance("t")) {
      model.setBlock(twoArrays);
      try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(LOSS))) {
        trainer.initialize(new Shape(1, 4));
        SegmentedBackward s =
            SegmentedBackward.of(twoArrays, 3, ModelState.of(twoArrays).trainable());
        assertThat(s.blocksPerSegment()).containsExactly(2, 1, 1);
        try (NDManager m = trainer.getManager().newSubManager()) {
          NDList x = new NDList(m.ones(new Shape(2, 4)));
          assertThatThrownBy(() -> s.forward(new ParameterStore(m, false), x))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessage(
                  "segment 1 of 3 starts from 2 array(s) of float32; segments must meet at one"
                      + " float32 array: use fewer backward segments");
        }
        List<Parameter> reversed = new ArrayList<>(ModelState.of(twoArrays).trainable());
        java.util.Collections.reverse(reversed);
        assertThatThrownBy(() -> SegmentedBackward.of(twoArrays, 2, reversed))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("not those of its children in order");
      }
    }
  }

  @Test
  void segmentsReducedOutOfOrderShouldBeRefused() {
    try (Model model = Model.newInstance("t")) {
      model.setBlock(Models.mlp(10));
      try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(LOSS))) {
        trainer.initialize(new Shape(1, 1, 28, 28));
        List<Parameter> p = ModelState.of(model.getBlock()).trainable();
        GradientSync sync =
            GradientSync.segmented(
                pg, List.of(p.subList(0, 2), p.subList(2, 4), p.subList(4, 6)), 1 << 20, true);
        assertThatThrownBy(() -> sync.reduceSegment(0))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("gradient segment 0 reduced when segment 2 was due");
        sync.reduceSegment(2);
        assertThatThrownBy(sync::finish)
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("gradient segment 1 was never reduced in this step");
      }
    }
  }
}
