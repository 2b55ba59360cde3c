package dev.cohort.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.train.data.DistributedSampler;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainConfigBuilderTest {

  @Test
  void aBuilderShouldStartFromTheDocumentedDefaults() {
    TrainConfig c = TrainConfig.builder().build();
    assertThat(c.model()).isEqualTo(TrainConfig.DEFAULT_MODEL).isEqualTo("cnn");
    assertThat(c.epochs()).isEqualTo(TrainConfig.DEFAULT_EPOCHS).isEqualTo(1);
    assertThat(c.batch()).isEqualTo(TrainConfig.DEFAULT_BATCH).isEqualTo(64);
    assertThat(c.accumulation()).isEqualTo(TrainConfig.DEFAULT_ACCUMULATION).isEqualTo(1);
    assertThat(c.optimizer()).isEqualTo(TrainConfig.DEFAULT_OPTIMIZER).isEqualTo("adam");
    assertThat(c.learningRate()).isEqualTo(TrainConfig.DEFAULT_LEARNING_RATE).isEqualTo(0.001f);
    assertThat(c.momentum()).isEqualTo(TrainConfig.DEFAULT_MOMENTUM).isZero();
    assertThat(c.scaleLearningRate()).isFalse();
    assertThat(c.warmupSteps()).isEqualTo(TrainConfig.DEFAULT_WARMUP_STEPS).isZero();
    assertThat(c.seed()).isEqualTo(TrainConfig.DEFAULT_SEED).isEqualTo(42);
    assertThat(c.overlap()).isTrue();
    assertThat(c.backwardSegments()).isEqualTo(TrainConfig.DEFAULT_BACKWARD_SEGMENTS).isEqualTo(1);
    assertThat(c.checkEvery()).isEqualTo(TrainConfig.DEFAULT_CHECK_EVERY).isZero();
    assertThat(c.remainder())
        .isEqualTo(TrainConfig.DEFAULT_REMAINDER)
        .isEqualTo(DistributedSampler.Remainder.DROP);
    assertThat(c.bufferSync())
        .isEqualTo(TrainConfig.DEFAULT_BUFFER_SYNC)
        .isEqualTo(BufferSync.BROADCAST);
    assertThat(c.syncBatchNorm()).isFalse();
    assertThat(c.trainLimit()).isZero();
    assertThat(c.testLimit()).isZero();
    assertThat(c.maxSteps()).isZero();
    assertThat(c.runDir()).isNull();
    assertThat(c.progress()).isTrue();
    assertThat(c.checkpointing()).isEqualTo(Checkpointing.NONE);
    assertThat(c.checkpointing().keep()).isEqualTo(Checkpointing.DEFAULT_KEEP).isEqualTo(3);
  }

  @Test
  void theDefaultBucketShouldBeTwentyFiveMillionBytesAsOnTheCommandLine() {
    assertThat(TrainConfig.DEFAULT_BUCKET_BYTES).isEqualTo(25_000_000L);
    assertThat(TrainConfig.defaults().bucketBytes()).isEqualTo(25_000_000L);
  }

  @Test
  void defaultsShouldBeWhatAnUntouchedBuilderBuilds() {
    assertThat(TrainConfig.defaults()).isEqualTo(TrainConfig.builder().build());
  }

  @Test
  void toBuilderShouldRebuildAnEqualConfiguration() {
    TrainConfig c =
        TrainConfig.builder()
            .model("mlp")
            .epochs(3)
            .batch(16)
            .accumulation(2)
            .optimizer("sgd")
            .learningRate(0.05f)
            .momentum(0.9f)
            .scaleLearningRate(true)
            .warmupSteps(7)
            .seed(5)
            .bucketBytes(450_000)
            .overlap(false)
            .checkEvery(4)
            .remainder(DistributedSampler.Remainder.PAD)
            .bufferSync(BufferSync.AVERAGE)
            .syncBatchNorm(true)
            .trainLimit(4096)
            .testLimit(500)
            .maxSteps(60)
            .runDir(Path.of("runs/a"))
            .progress(false)
            .checkpointEvery(10)
            .keepCheckpoints(2)
            .resumeFrom(Path.of("runs/b"))
            .build();
    assertThat(c.toBuilder().build()).isEqualTo(c);
    assertThat(c.toBuilder().batch(32).build().batch()).isEqualTo(32);
    assertThat(c.checkpointing()).isEqualTo(new Checkpointing(10, 2, Path.of("runs/b"), false));
  }

  @Test
  void buildShouldValidateAsTheRecordDoesNamingTheValue() {
    assertThatThrownBy(() -> TrainConfig.builder().batch(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batch must be >= 1, got 0");
    assertThatThrownBy(() -> TrainConfig.builder().bucketBytes(1000).build())
        .hasMessageContaining("bucket size must be at least 1 KiB, got 1000");
    assertThatThrownBy(() -> TrainConfig.builder().momentum(1f).build())
        .hasMessageContaining("momentum");
    assertThatThrownBy(() -> TrainConfig.builder().keepCheckpoints(0).build())
        .hasMessageContaining("keep-checkpoints must be >= 1");
  }

  @Test
  void backwardSegmentsShouldBeRefusedWithWhatTheyCannotBeCombinedWith() {
    assertThat(TrainConfig.builder().backwardSegments(3).build().toBuilder().build())
        .isEqualTo(TrainConfig.builder().backwardSegments(3).build());
    assertThatThrownBy(() -> TrainConfig.builder().backwardSegments(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backward segments must be >= 1, got 0");
    assertThatThrownBy(() -> TrainConfig.builder().backwardSegments(2).accumulation(2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "backward segments 2 cannot be combined with accumulation 2: use one or the other");
    assertThatThrownBy(() -> TrainConfig.builder().backwardSegments(2).syncBatchNorm(true).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("backward segments 2 cannot be combined with SyncBatchNorm");
    assertThat(
            TrainConfig.builder().backwardSegments(1).accumulation(4).syncBatchNorm(true).build())
        .as("one segment combines with everything")
        .isNotNull();
  }

  @Test
  void theOptimizerNameShouldBeLowerCased() {
    assertThat(TrainConfig.builder().optimizer("SGD").build().optimizer()).isEqualTo("sgd");
  }
}
