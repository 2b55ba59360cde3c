package dev.cohort.train.ddp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SegmentCutsTest {

  @Test
  void oneSegmentShouldHoldEveryBlock() {
    assertThat(SegmentCuts.balanced(new long[] {5, 0, 7}, 1)).containsExactly(3);
  }

  @Test
  void asManySegmentsAsBlocksShouldGiveEachBlockItsOwn() {
    assertThat(SegmentCuts.balanced(new long[] {5, 0, 7, 0}, 4)).containsExactly(1, 2, 3, 4);
  }

  @Test
  void theHeaviestSegmentShouldBeAsLightAsPossible() {
    // 1 2 3 | 4 | 5 weighs at most 6; no three segments do better (1 2 | 3 4 | 5 weighs 7).
    assertThat(SegmentCuts.balanced(new long[] {1, 2, 3, 4, 5}, 3)).containsExactly(3, 4, 5);
  }

  @Test
  void tiesShouldLeaveTheLastSegmentsSmallest() {
    // The wide MLP: flatten, dense, relu, dense, relu, dense, relu, dense (weights in thousands).
    long[] wide = {0, 804, 0, 1050, 0, 1050, 0, 10};
    assertThat(SegmentCuts.balanced(wide, 2)).containsExactly(5, 8);
    assertThat(SegmentCuts.balanced(wide, 3)).containsExactly(3, 5, 8);
    assertThat(SegmentCuts.balanced(wide, 4)).containsExactly(3, 5, 7, 8);
  }

  @Test
  void impossibleCountsShouldBeRefused() {
    assertThatThrownBy(() -> SegmentCuts.balanced(new long[] {1, 2}, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot cut 2 blocks into 3 non-empty segments");
    assertThatThrownBy(() -> SegmentCuts.balanced(new long[] {1, 2}, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
