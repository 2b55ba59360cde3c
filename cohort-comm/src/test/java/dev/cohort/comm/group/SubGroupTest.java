package dev.cohort.comm.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.ThreadWorld;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SubGroupTest {

  @Test
  void subGroupsShouldReduceOnlyOverTheirMembers() throws Exception {
    try (ThreadWorld w = new ThreadWorld(ThreadWorld.config(TransportKind.AUTO))) {
      List<int[]> res =
          w.run(
              5,
              pg -> {
                ProcessGroup evens = pg.newSubGroup(List.of(0, 2, 4));
                ProcessGroup odds = pg.newSubGroup(List.of(1, 3));
                ProcessGroup mine = pg.rank() % 2 == 0 ? evens : odds;
                assertThat(pg.rank() % 2 == 0 ? odds : evens).isNull();
                try (mine) {
                  int[] x = {pg.rank()};
                  mine.allReduce(x, ReduceOp.SUM);
                  pg.barrier(); // the parent keeps working alongside its sub-groups
                  return new int[] {mine.rank(), mine.size(), x[0]};
                }
              });
      assertThat(res.get(0)).containsExactly(0, 3, 6);
      assertThat(res.get(2)).containsExactly(1, 3, 6);
      assertThat(res.get(4)).containsExactly(2, 3, 6);
      assertThat(res.get(1)).containsExactly(0, 2, 4);
      assertThat(res.get(3)).containsExactly(1, 2, 4);
    }
  }

  @Test
  void invalidSubGroupRanksShouldBeRejected() throws Exception {
    try (ThreadWorld w = new ThreadWorld(ThreadWorld.config(TransportKind.TCP))) {
      w.run(
          2,
          pg -> {
            assertThatThrownBy(() -> pg.newSubGroup(List.of(0, 2)))
                .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pg.newSubGroup(List.of(1, 1)))
                .isInstanceOf(IllegalArgumentException.class);
            return null;
          });
    }
  }
}
