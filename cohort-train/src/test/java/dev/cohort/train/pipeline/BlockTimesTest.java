package dev.cohort.train.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.GptConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each block's forward and backward, measured for a partition by time. */
class BlockTimesTest {
  @BeforeAll
  static void offline() {
    System.setProperty("ai.djl.offline", "true");
  }

  @Test
  void everyBlockShouldBeTimedAndTheTransformerBlocksAlike() {
    GptConfig g = Models.gptConfig("gpt-3x64");
    long[] nanos = BlockTimes.measure(g, 2);
    assertThat(nanos).hasSize(g.layers() + 3);
    assertThat(java.util.Arrays.stream(nanos).min().getAsLong()).isPositive();
    assertThat(nanos[2]).isEqualTo(nanos[1]);
    assertThat(nanos[3]).isEqualTo(nanos[1]);
    // The embeddings' lookup and the final LayerNorm cost less than a transformer block.
    assertThat(nanos[0]).isLessThan(nanos[1]);
    assertThat(nanos[g.layers() + 1]).isLessThan(nanos[1]);
  }
}
