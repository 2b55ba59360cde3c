package dev.cohort.train.ddp;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.loss.Loss;
import dev.cohort.train.model.Models;
import dev.cohort.train.tensor.TensorRanks;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ZeRO-3's rerun of each segment must compute what its first run computed: the model with dropout,
 * its gradients through the rerunning passes against the passes that run each segment once, both
 * seeding dropout per segment. A rerun that drew other masks would give other gradients.
 */
class ShardedBackwardTest {

  private record Result(float loss, float[] gradients) {}

  private static Result pass(boolean recompute) throws Exception {
    return TensorRanks.run(
            1,
            pg -> {
              Engine.getInstance().setRandomSeed(11);
              Block model = Models.byName("mlp-dropout", 10);
              try (NDManager manager = NDManager.newBaseManager()) {
                model.initialize(manager, DataType.FLOAT32, new Shape(8, 1, 28, 28));
                List<Parameter> trainable =
                    model.getParameters().values().stream()
                        .filter(Parameter::requiresGradient)
                        .toList();
                SegmentedBackward segments =
                    SegmentedBackward.of(model, model.getChildren().size(), trainable);
                int[] ends = new int[segments.count()];
                int at = 0;
                for (int s = 0; s < ends.length; s++) {
                  at += segments.parameters().get(s).size();
                  ends[s] = at;
                }
                ShardLayout layout =
                    new ShardLayout(
                        trainable.stream().mapToLong(ParameterViews::elements).toArray(), ends, 1);
                List<java.nio.ByteBuffer> views =
                    recompute ? null : trainable.stream().map(ParameterViews::value).toList();
                ShardedParameters params =
                    new ShardedParameters(pg, manager, layout, trainable, recompute);
                ShardedGradients gradients =
                    new ShardedGradients(pg, layout, params, views, "adam", 0);
                JniUtils.setGradMode(true);
                try (NDManager step = manager.newSubManager()) {
                  Engine.getInstance().setRandomSeed(3);
                  NDList x = new NDList(step.randomUniform(0, 1, new Shape(8, 1, 28, 28)));
                  NDList y = new NDList(step.create(new float[] {0, 1, 2, 3, 4, 5, 6, 7}));
                  ShardedBackward.Pass p =
                      new ShardedBackward(segments, params, gradients, recompute)
                          .run(
                              step,
                              x,
                              y,
                              Loss.softmaxCrossEntropyLoss(),
                              s -> RandomStreams.enterSegment(5, 0, 0, s));
                  float[] g = new float[layout.shardElements()];
                  gradients
                      .averaged()
                      .bytes()
                      .order(ByteOrder.nativeOrder())
                      .asFloatBuffer()
                      .get(g);
                  return new Result(p.loss(), g);
                } finally {
                  JniUtils.setGradMode(false);
                }
              }
            })
        .get(0);
  }

  @Test
  void theRerunShouldComputeWhatTheFirstRunComputed() throws Exception {
    Result once = pass(false);
    Result twice = pass(true);
    assertThat(twice.loss()).isEqualTo(once.loss());
    assertThat(twice.gradients()).isEqualTo(once.gradients());
    double norm = 0;
    for (float g : once.gradients()) {
      norm += g * g;
    }
    assertThat(norm).as("the gradients are not all zero").isPositive();
  }
}
