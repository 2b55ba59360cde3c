package dev.cohort.comm.collective;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.group.ReduceOp;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void twoRanksAllReduceOverTcpAndShm() throws Exception {
    for (CommConfig.TransportKind k : new CommConfig.TransportKind[] {CommConfig.TransportKind.TCP,
        CommConfig.TransportKind.SHM}) {
      try (ThreadWorld w = new ThreadWorld(ThreadWorld.config(k))) {
        var res = w.run(2, pg -> {
          float[] a = new float[1000];
          java.util.Arrays.fill(a, pg.rank() + 1);
          pg.allReduce(a, ReduceOp.SUM);
          return a[999];
        });
        assertThat(res).containsExactly(3f, 3f);
      }
    }
  }
}
