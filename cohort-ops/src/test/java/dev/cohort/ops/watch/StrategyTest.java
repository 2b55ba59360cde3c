package dev.cohort.ops.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.train.LayerSplit;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.EffectiveConfig;
import org.junit.jupiter.api.Test;

class StrategyTest {
  private static String of(TrainConfig cfg, int workers) {
    return Strategy.of(EffectiveConfig.of(cfg, workers, "data"));
  }

  @Test
  void replicasAreCountedOnlyWhenThereAreSeveral() {
    assertThat(of(TrainConfig.defaults(), 4)).isEqualTo("data parallel");
    assertThat(of(TrainConfig.builder().zero(2).build(), 2))
        .isEqualTo("2 data-parallel replicas: ZeRO-2");
    TrainConfig pipeline =
        TrainConfig.builder()
            .model("gpt-tiny")
            .pipeline(2)
            .schedule("1f1b")
            .microBatches(4)
            .build();
    assertThat(of(pipeline, 2)).isEqualTo("pipeline of 2 stages (1f1b)");
    assertThat(of(pipeline, 4)).isEqualTo("2 data-parallel replicas: pipeline of 2 stages (1f1b)");
    TrainConfig tensor =
        TrainConfig.builder()
            .model("gpt-tiny")
            .split(new LayerSplit(2, 0, 1, 1.25, 0.01, 0))
            .build();
    assertThat(of(tensor, 2)).isEqualTo("tensor parallel x2");
    TrainConfig moe =
        TrainConfig.builder()
            .model("gpt-tiny")
            .split(new LayerSplit(1, 8, 2, 1.25, 0.01, 4))
            .build();
    assertThat(of(moe, 4)).isEqualTo("8 experts, top-2, expert parallel x4");
    assertThat(of(moe, 8))
        .isEqualTo("2 data-parallel replicas: 8 experts, top-2, expert parallel x4");
  }
}
