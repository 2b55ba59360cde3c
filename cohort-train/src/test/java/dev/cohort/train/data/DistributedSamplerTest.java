package dev.cohort.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.train.data.DistributedSampler.Remainder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DistributedSamplerTest {

  @Test
  void ranksShouldGetDisjointSlicesThatTogetherFormTheGlobalBatch() {
    int n = 1000;
    int world = 4;
    int global = 64;
    DistributedSampler one = new DistributedSampler(n, global, 0, 1, 5, Remainder.DROP, true);
    for (int epoch = 0; epoch < 2; epoch++) {
      int[] order = one.order(epoch);
      for (int b = 0; b < one.batchesPerEpoch(); b++) {
        Set<Integer> union = new HashSet<>();
        int[] joined = new int[0];
        for (int r = 0; r < world; r++) {
          DistributedSampler s =
              new DistributedSampler(n, global, r, world, 5, Remainder.DROP, true);
          int[] mine = s.localIndices(s.order(epoch), b);
          assertThat(mine).hasSize(global / world);
          for (int i : mine) {
            assertThat(union.add(i)).as("sample %d given twice", i).isTrue();
          }
          joined = IntStream.concat(Arrays.stream(joined), Arrays.stream(mine)).toArray();
        }
        // N workers with B/N see exactly what 1 worker with B sees, in the same step.
        assertThat(joined).containsExactly(one.localIndices(order, b));
      }
    }
  }

  @Test
  void theOrderShouldDependOnlyOnSeedAndEpoch() {
    DistributedSampler a = new DistributedSampler(500, 50, 0, 2, 1, Remainder.DROP, true);
    DistributedSampler b = new DistributedSampler(500, 50, 1, 2, 1, Remainder.DROP, true);
    assertThat(a.order(3)).isEqualTo(b.order(3));
    assertThat(a.order(3)).isNotEqualTo(a.order(4));
    assertThat(new DistributedSampler(500, 50, 0, 2, 2, Remainder.DROP, true).order(3))
        .isNotEqualTo(a.order(3));
    assertThat(a.order(0)).hasSize(500).doesNotHaveDuplicates();
  }

  @Test
  void dropShouldSkipAndPadShouldCompleteTheLastBatch() {
    DistributedSampler drop = new DistributedSampler(100, 32, 0, 2, 0, Remainder.DROP, false);
    DistributedSampler pad = new DistributedSampler(100, 32, 1, 2, 0, Remainder.PAD, false);
    assertThat(drop.batchesPerEpoch()).isEqualTo(3);
    assertThat(pad.batchesPerEpoch()).isEqualTo(4);
    // The padded last batch wraps around to the start of the order.
    assertThat(pad.localIndices(pad.order(0), 3))
        .containsExactly(IntStream.range(112, 128).map(i -> i % 100).toArray());
  }

  @Test
  void impossibleConfigurationsShouldBeRejected() {
    assertThatThrownBy(() -> new DistributedSampler(100, 33, 0, 2, 0, Remainder.DROP, true))
        .hasMessageContaining("multiple of the number of workers");
    assertThatThrownBy(() -> new DistributedSampler(10, 32, 0, 2, 0, Remainder.DROP, true))
        .hasMessageContaining("cannot fill");
    assertThatThrownBy(() -> new DistributedSampler(100, 32, 2, 2, 0, Remainder.DROP, true))
        .isInstanceOf(IllegalArgumentException.class);
    DistributedSampler s = new DistributedSampler(100, 32, 0, 2, 0, Remainder.DROP, true);
    assertThatThrownBy(() -> s.localIndices(s.order(0), 3))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
