package dev.cohort.train.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.train.Pipelining;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class StagePartitionTest {

  /** The heaviest stage of the best partition, by trying every one. */
  private static long bruteForce(long[] w, int from, int stages) {
    if (stages == 1) {
      long sum = 0;
      for (int i = from; i < w.length; i++) {
        sum += w[i];
      }
      return sum;
    }
    long best = Long.MAX_VALUE;
    long first = 0;
    for (int end = from + 1; end <= w.length - (stages - 1); end++) {
      first += w[end - 1];
      best = Math.min(best, Math.max(first, bruteForce(w, end, stages - 1)));
    }
    return best;
  }

  @Property
  void theHeaviestStageShouldBeAsLightAsPossible(
      @ForAll @Size(min = 1, max = 9) List<@IntRange(min = 0, max = 1000) Integer> weights,
      @ForAll @IntRange(min = 1, max = 9) int stages) {
    long[] w = weights.stream().mapToLong(Integer::longValue).toArray();
    if (stages > w.length) {
      assertThatThrownBy(() -> StagePartition.balanced(w, stages))
          .hasMessage("cannot cut " + w.length + " blocks into " + stages + " stages");
      return;
    }
    StagePartition p = StagePartition.balanced(w, stages);
    assertThat(p.stages()).isEqualTo(stages);
    long heaviest = 0;
    for (int s = 0; s < stages; s++) {
      assertThat(p.end(s)).isGreaterThan(p.start(s));
      long sum = 0;
      for (int i = p.start(s); i < p.end(s); i++) {
        sum += w[i];
      }
      heaviest = Math.max(heaviest, sum);
    }
    assertThat(p.end(stages - 1)).isEqualTo(w.length);
    assertThat(heaviest).isEqualTo(bruteForce(w, 0, stages));
  }

  @Test
  void givenStartsShouldBeCheckedAndPrinted() {
    assertThat(new StagePartition(new int[] {0, 3}, 5).toString())
        .isEqualTo("stage 0: blocks 0-2, stage 1: blocks 3-4");
    assertThatThrownBy(() -> new StagePartition(new int[] {0, 5}, 5))
        .hasMessage(
            "stage starts [0, 5] must increase and stay below the model's 5 blocks (each stage"
                + " needs at least one)");
    assertThatThrownBy(() -> new StagePartition(new int[] {1}, 5))
        .hasMessage("a partition starts its first stage at block 0, got [1]");
  }

  @Test
  void aPlanShouldCutAsGivenOrBalanceByParameters() {
    long[] params = {10, 50, 50, 50, 50, 1, 10};
    assertThat(StagePartition.planned(new Pipelining(2, "1f1b", 4, 1, "3,4"), params).toString())
        .isEqualTo("stage 0: blocks 0-2, stage 1: blocks 3-6");
    assertThat(StagePartition.planned(new Pipelining(2, "1f1b", 4, 1), params))
        .isEqualTo(StagePartition.balanced(params, 2));
    // By time is known only after measuring: planned as by parameters.
    assertThat(StagePartition.planned(new Pipelining(2, "1f1b", 4, 1, "time"), params))
        .isEqualTo(StagePartition.balanced(params, 2));
    assertThatThrownBy(() -> StagePartition.planned(new Pipelining(2, "1f1b", 4, 1, "3,3"), params))
        .hasMessage(
            "--partition 3,3 gives 2 stages of 6 blocks; the plan has 2 stages (--pipeline x"
                + " --virtual-stages) and the model 7 blocks (the embeddings, each transformer"
                + " block, the final LayerNorm, the head)");
    assertThatThrownBy(() -> new Pipelining(2, "1f1b", 4, 1, "3,-4"))
        .hasMessage(
            "--partition must be params, time or the blocks of each stage such as 3,2,2, got"
                + " '3,-4'");
  }
}
