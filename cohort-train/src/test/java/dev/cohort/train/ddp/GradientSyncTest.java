package dev.cohort.train.ddp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.Secrets;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainConfigBuilder;
import dev.cohort.train.model.Models;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bucketing and validation, on a world of one (DJL allows one training process per JVM). */
class GradientSyncTest {

  @Test
  void bucketsShouldHoldWholeParametersLastLayersFirstAndRespectTheSize() {
    System.setProperty("ai.djl.offline", "true");
    try (ProcessGroup pg =
            ProcessGroups.init(
                CommConfig.defaults(Secrets.generate()),
                new ProcessGroups.Init("127.0.0.1", 0, 0, 1, 0, true));
        Model model = Model.newInstance("t")) {
      model.setBlock(Models.mlp(10));
      try (Trainer trainer =
          model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
        trainer.initialize(new Shape(1, 1, 28, 28));
        List<Parameter> params = new ArrayList<>(model.getBlock().getParameters().values());
        // Sizes: 784x256 + 256, 256x128 + 128, 128x10 + 10 floats.
        GradientSync big = new GradientSync(pg, params, 25_000_000, true);
        assertThat(big.bucketCount()).isEqualTo(1);
        assertThat(big.bucketBytes())
            .containsExactly(4 * (784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10));
        GradientSync small = new GradientSync(pg, params, 200_000, true);
        // Last layers first; the 784x256 weight (802,816 B) is larger than a bucket: its own.
        assertThat(small.bucketBytes())
            .containsExactly(4 * (128 * 10 + 10 + 256 * 128 + 128 + 256), 4 * 784 * 256);
        assertThatThrownBy(() -> new GradientSync(pg, params, 0, true))
            .isInstanceOf(IllegalArgumentException.class);
      }
    }
  }

  @Test
  void invalidTrainingOptionsShouldBeRejectedWithTheirName() {
    TrainConfigBuilder sgd =
        TrainConfig.builder()
            .optimizer("sgd")
            .learningRate(0.1f)
            .seed(1)
            .bucketBytes(1 << 20)
            .progress(false);
    assertThatThrownBy(() -> sgd.epochs(0).build()).hasMessageContaining("epochs");
    assertThatThrownBy(() -> sgd.epochs(1).optimizer("rmsprop").build())
        .hasMessageContaining("optimizer");
    assertThatThrownBy(() -> Models.byName("resnet", 10)).hasMessageContaining("mlp");
  }
}
