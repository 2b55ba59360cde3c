package dev.cohort.comm.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CollectiveOptions;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.CommException;
import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.DataType;
import dev.cohort.comm.GroupStats;
import dev.cohort.comm.GroupStats.Transport;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.ThreadWorld;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Per-call options and what a group reports about itself. */
@Timeout(60)
class GroupOptionsAndStatsTest {

  @ParameterizedTest
  @EnumSource(
      value = TransportKind.class,
      names = {"TCP", "SHM"})
  void statsShouldReportTheTransportToEachRankAndTheBytesAnAllReduceMoved(TransportKind k)
      throws Exception {
    CommConfig cfg = ThreadWorld.config(k);
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      List<GroupStats[]> stats =
          w.run(
              3,
              0,
              cfg,
              pg -> {
                GroupStats before = pg.stats();
                pg.allReduce(new float[100_000], ReduceOp.SUM);
                return new GroupStats[] {before, pg.stats()};
              });
      Transport peer = k == TransportKind.TCP ? Transport.TCP : Transport.SHM;
      for (int r = 0; r < 3; r++) {
        GroupStats before = stats.get(r)[0];
        GroupStats after = stats.get(r)[1];
        assertThat(after.transportTo(r)).isEqualTo(Transport.SELF);
        assertThat(after.transportTo((r + 1) % 3)).isEqualTo(peer);
        assertThat(after.transports()).hasSize(3);
        // A ring all-reduce of 400 kB sends and receives about 2(n-1)/n of it on every rank.
        assertThat(after.bytesSent() - before.bytesSent()).isBetween(500_000L, 600_000L);
        assertThat(after.bytesReceived() - before.bytesReceived()).isBetween(500_000L, 600_000L);
        assertThat(after.waitNanos()).isGreaterThanOrEqualTo(before.waitNanos());
      }
      assertThat(Transport.SHM.label()).isEqualTo("shm");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TransportKind.class,
      names = {"TCP", "SHM"})
  void aPerCallTimeoutShouldFireWhileTheGroupTimeoutIsLong(TransportKind k) throws Exception {
    CommConfig cfg = ThreadWorld.config(k).toBuilder().timeout(Duration.ofSeconds(30)).build();
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      List<String> errors =
          w.run(
              2,
              0,
              cfg,
              pg -> {
                if (pg.rank() == 1) {
                  Thread.sleep(2000); // never joins the barrier, but stays connected meanwhile
                  return "";
                }
                long t0 = System.nanoTime();
                CommException e =
                    catchFailure(
                        () -> pg.barrier(CollectiveOptions.withTimeout(Duration.ofMillis(200))));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(e).isInstanceOf(CommTimeoutException.class);
                assertThat(ms)
                    .as("fails near 200 ms, not after the group's 30 s")
                    .isBetween(150L, 10_000L);
                return e.getMessage();
              });
      assertThat(errors.get(0))
          .contains("rank 0: barrier #0")
          .contains("timeout 200 ms")
          .contains("peer rank 1")
          .contains("CollectiveOptions");
    }
  }

  @Test
  void anAsyncCallShouldBeBoundedByItsOwnTimeout() throws Exception {
    CommConfig cfg =
        ThreadWorld.config(TransportKind.AUTO).toBuilder().timeout(Duration.ofSeconds(30)).build();
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      w.run(
          2,
          0,
          cfg,
          pg -> {
            if (pg.rank() == 0) {
              Tensor t = Tensor.allocate(DataType.FLOAT32, 4);
              var work =
                  pg.recvAsync(t, 1, 7, CollectiveOptions.withTimeout(Duration.ofMillis(200)));
              assertThatThrownBy(work::await)
                  .isInstanceOf(CommTimeoutException.class)
                  .hasMessageContaining("recv(tag 7) from rank 1")
                  .hasMessageContaining("200 ms");
            } else {
              Thread.sleep(1500); // never sends
            }
            return null;
          });
    }
  }

  @Test
  void aTimeoutThatIsNotPositiveShouldBeRefused() {
    assertThatThrownBy(() -> CollectiveOptions.withTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
    assertThat(CollectiveOptions.DEFAULT.timeoutOr(Duration.ofSeconds(3)))
        .isEqualTo(Duration.ofSeconds(3));
  }

  private interface Call {
    void run();
  }

  private static CommException catchFailure(Call call) {
    try {
      call.run();
    } catch (CommException e) {
      return e;
    }
    throw new AssertionError("expected the call to fail");
  }
}
