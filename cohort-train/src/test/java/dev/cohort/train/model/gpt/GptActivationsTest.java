package dev.cohort.train.model.gpt;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.cohort.train.model.Models;
import dev.cohort.train.nn.GraphScalars;
import dev.cohort.train.pipeline.StagePartition;
import dev.cohort.train.pipeline.StagedModel;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(60)
class GptActivationsTest {
  private static final GptConfig TINY = Models.gptConfig("gpt-tiny");

  static Stream<GptConfig> configs() {
    return Stream.of(TINY, TINY.withoutDropout(), new GptConfig(17, 12, 1, 3, 24, 0.25f));
  }

  /** What one micro-batch's forward left in each scope: blocks, then the loss, then targets. */
  private record Measured(long[] blocks, long loss, long targets) {}

  @ParameterizedTest
  @MethodSource("configs")
  void eachScopeShouldHoldExactlyTheBytesTheFormulaGives(GptConfig cfg) {
    GptActivations formula = new GptActivations(cfg);
    for (int rows : new int[] {2, 3, 4}) {
      Measured m = measure(cfg, rows);
      assertThat(m.blocks())
          .as("rows %d", rows)
          .containsExactly(formula.blockActivationBytes(rows));
      assertThat(m.loss()).as("rows %d", rows).isEqualTo(formula.lossActivationBytes(rows));
      assertThat(m.targets()).as("rows %d", rows).isEqualTo(formula.lossTargetBytes(rows));
    }
  }

  @Test
  void theBytesShouldGrowLinearlyInTheRowsAndNotWithTheDropout() {
    GptActivations with = new GptActivations(TINY);
    GptActivations without = new GptActivations(TINY.withoutDropout());
    long[] two = with.blockActivationBytes(2);
    long[] three = with.blockActivationBytes(3);
    long[] four = with.blockActivationBytes(4);
    for (int i = 0; i < two.length; i++) {
      assertThat(four[i] - three[i]).isEqualTo(three[i] - two[i]);
    }
    assertThat(with.lossActivationBytes(4) - with.lossActivationBytes(3))
        .isEqualTo(with.lossActivationBytes(3) - with.lossActivationBytes(2));
    assertThat(without.blockActivationBytes(4)).containsExactly(four);
    // A transformer block: 128 bytes per position and width, 20 per attention score, the mask,
    // 1/√d.
    long n = 4L * 32;
    assertThat(four[1]).isEqualTo(128 * n * 32 + 20 * 4L * 2 * 32 * 32 + 4 * 32 * 32 + 4);
  }

  /**
   * As {@code PipelineRank.forward} does it: each block (a stage of its own) runs a {@code (rows,
   * context)} micro-batch in a sub-manager of the step's to which its input is temp-attached; the
   * LM head's scope then takes the loss, its value and its division by the micro-batches.
   */
  private static Measured measure(GptConfig cfg, int rows) {
    int blocks = cfg.layers() + 3;
    StagedModel model =
        new StagedModel(
            Gpt.build(cfg),
            new StagePartition(IntStream.range(0, blocks).toArray(), blocks),
            new Shape(1, cfg.context()));
    Random random = new Random(rows);
    float[] tokens = new float[rows * cfg.context()];
    float[] targets = new float[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = random.nextInt(cfg.vocabulary());
      targets[i] = random.nextInt(cfg.vocabulary());
    }
    Shape tokenShape = new Shape(rows, cfg.context());
    long[] out = new long[blocks];
    long loss = 0;
    long targetBytes = 0;
    JniUtils.setGradMode(true);
    try (NDManager root = NDManager.newBaseManager()) {
      for (int s = 0; s < blocks; s++) {
        model.initialize(root, s, 1);
      }
      try (NDManager step = root.newSubManager()) {
        NDArray y = step.create(targets, tokenShape);
        for (int s = 0; s < blocks; s++) {
          NDArray in =
              s == 0
                  ? step.create(tokens, tokenShape)
                  : step.randomNormal(new Shape(rows, cfg.context(), cfg.width()));
          in.setRequiresGradient(true);
          try (NDManager scope = step.newSubManager()) {
            in.tempAttach(scope);
            NDArray logits =
                model
                    .forward(s, new ParameterStore(scope, false), new NDList(in), true)
                    .singletonOrThrow();
            out[s] = bytes(scope, in);
            if (s == blocks - 1) {
              long stepBefore = bytes(step, in) - out[s];
              NDArray l = new SequenceLoss().evaluate(new NDList(y), new NDList(logits));
              assertThat(l.getFloat()).isPositive();
              GraphScalars.divide(l, 4);
              loss = bytes(scope, in) - out[s];
              targetBytes = bytes(step, in) - bytes(scope, in) - stepBefore;
            }
          }
        }
      }
    } finally {
      JniUtils.setGradMode(false);
    }
    return new Measured(out, loss, targetBytes);
  }

  /** The bytes of the arrays {@code manager} (and its sub-managers) hold, less {@code input}. */
  private static long bytes(NDManager manager, NDArray input) {
    return manager.getManagedArrays().stream()
        .filter(a -> !a.getUid().equals(input.getUid()))
        .mapToLong(a -> a.size() * a.getDataType().getNumOfBytes())
        .sum();
  }

  @Test
  void theInputShouldBeAmongTheScopesArraysButNotCounted() {
    try (NDManager root = NDManager.newBaseManager();
        NDManager scope = root.newSubManager()) {
      NDArray in = root.zeros(new Shape(2, 3));
      in.tempAttach(scope);
      assertThat(scope.getManagedArrays()).extracting(NDArray::getUid).containsExactly(in.getUid());
      assertThat(bytes(scope, in)).isZero();
    }
  }
}
