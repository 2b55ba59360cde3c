package dev.cohort.train.ddp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ShardLayoutTest {

  /**
   * Over all ranks the pieces cover every element of every parameter exactly once, each rank's
   * pieces sit in its shard of the right segment, and no two pieces of a rank overlap.
   */
  @Property(tries = 300)
  void piecesShouldCoverEveryElementOnce(
      @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 0, max = 40) Integer> sizes,
      @ForAll @IntRange(min = 1, max = 5) int ranks,
      @ForAll @Size(max = 4) List<@IntRange(min = 0, max = 8) Integer> cuts) {
    long[] elements = sizes.stream().mapToLong(Integer::longValue).toArray();
    // Segments may be empty (a ReLU block is a segment of no parameters) and of any size.
    int[] ends =
        java.util.stream.IntStream.concat(
                cuts.stream().mapToInt(c -> Math.min(c, elements.length)).sorted(),
                java.util.stream.IntStream.of(elements.length))
            .toArray();
    ShardLayout layout = new ShardLayout(elements, ends, ranks);
    int[][] covered = new int[elements.length][];
    for (int i = 0; i < elements.length; i++) {
      covered[i] = new int[(int) elements[i]];
    }
    for (int r = 0; r < ranks; r++) {
      boolean[] used = new boolean[layout.shardElements()];
      for (ShardLayout.Piece p : layout.pieces(r)) {
        int s = segmentOf(layout, p.index());
        assertThat(p.at()).isGreaterThanOrEqualTo(layout.storageOffset(s));
        assertThat(p.at() + p.length())
            .isLessThanOrEqualTo(layout.storageOffset(s) + layout.shard(s));
        // Its place in the segment's flat vector is inside rank r's shard.
        long flat = layout.offsetInSegment(p.index()) + p.from();
        assertThat(flat - (long) r * layout.shard(s)).isEqualTo(p.at() - layout.storageOffset(s));
        for (int k = 0; k < p.length(); k++) {
          assertThat(used[p.at() + k]).isFalse();
          used[p.at() + k] = true;
          covered[p.index()][p.from() + k]++;
        }
      }
    }
    for (int[] c : covered) {
      for (int times : c) {
        assertThat(times).isEqualTo(1);
      }
    }
  }

  private static int segmentOf(ShardLayout layout, int parameter) {
    int s = 0;
    while (layout.firstParameter(s + 1) <= parameter) {
      s++;
    }
    return s;
  }

  @Test
  void segmentsShouldBePaddedToEqualShards() {
    // Two segments of 5 and 3 elements over 2 ranks: shards of 3 and 2, 5 floats per rank.
    ShardLayout layout = new ShardLayout(new long[] {2, 3, 3}, new int[] {2, 3}, 2);
    assertThat(layout.shard(0)).isEqualTo(3);
    assertThat(layout.shard(1)).isEqualTo(2);
    assertThat(layout.shardElements()).isEqualTo(5);
    assertThat(layout.largestPadded()).isEqualTo(6);
    assertThat(layout.largestSegment()).isEqualTo(5);
    assertThat(layout.pieces(1))
        .containsExactly(new ShardLayout.Piece(1, 1, 3, 0), new ShardLayout.Piece(2, 2, 3, 3));
  }

  @Test
  void segmentsThatDoNotEndAtTheLastParameterShouldBeRefused() {
    assertThatThrownBy(() -> new ShardLayout(new long[] {1, 2}, new int[] {1}, 2))
        .hasMessageContaining("segments must end at the last of 2 parameters");
  }
}
