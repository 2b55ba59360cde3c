package dev.cohort.comm.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CollectiveMismatchException;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.CommException;
import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.Work;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Timeouts, mismatches and aborts fail every rank clearly, never hang. */
@Timeout(120)
class FailureTest {

  private static CommConfig shortTimeout(TransportKind k) {
    return ThreadWorld.config(k).toBuilder().timeout(Duration.ofSeconds(2)).build();
  }

  @ParameterizedTest
  @EnumSource(
      value = TransportKind.class,
      names = {"TCP", "SHM"})
  void aRankThatNeverCallsShouldMakeTheOthersTimeOutNamingItAndTheOperation(TransportKind k)
      throws Exception {
    CommConfig cfg = shortTimeout(k);
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      List<String> errors =
          w.run(
              3,
              0,
              cfg,
              pg -> {
                pg.barrier();
                if (pg.rank() == 2) {
                  Thread.sleep(4000); // rank 2 hangs instead of calling the second all-reduce
                  return "";
                }
                long t0 = System.nanoTime();
                try {
                  pg.allReduce(new float[1 << 16], ReduceOp.SUM);
                  return "no error";
                } catch (CommException e) {
                  long ms = (System.nanoTime() - t0) / 1_000_000;
                  assertThat(ms)
                      .as("failed within timeout + a few seconds")
                      .isLessThan(2000 + 3000);
                  // The group is now aborted: the next call fails at once with the same story.
                  assertThatThrownBy(() -> pg.barrier()).isInstanceOf(CommException.class);
                  return e.getMessage();
                }
              });
      // Whichever rank detects it first, the message names the operation and a peer.
      assertThat(errors.get(0) + errors.get(1)).contains("allReduce #1").contains("rank 2");
      assertThat(errors.get(0)).contains("rank 0:");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TransportKind.class,
      names = {"TCP", "SHM"})
  void differentSizesShouldBeReportedAsAMismatch(TransportKind k) throws Exception {
    CommConfig cfg = shortTimeout(k);
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      List<String> errors =
          w.run(
              2,
              0,
              cfg,
              pg -> {
                try {
                  pg.allReduce(new float[pg.rank() == 0 ? 100 : 200], ReduceOp.SUM);
                  return "no error";
                } catch (CommException e) {
                  return e.getMessage();
                }
              });
      // 100 vs 200 floats: 400 vs 800 bytes, named with the operation on every rank.
      assertThat(errors)
          .allSatisfy(
              m ->
                  assertThat(m)
                      .contains("allReduce #0")
                      .contains("400 bytes")
                      .contains("800 bytes"));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TransportKind.class,
      names = {"TCP", "SHM"})
  void checkModeShouldNameTheRankThatCalledADifferentCollective(TransportKind k) throws Exception {
    CommConfig cfg = shortTimeout(k).toBuilder().checkCollectives(true).build();
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      List<Throwable> errors =
          w.run(
              3,
              0,
              cfg,
              pg -> {
                try {
                  pg.allReduce(new float[10], ReduceOp.SUM); // all agree
                  if (pg.rank() == 1) {
                    pg.broadcast(Tensor.allocate(DataType.FLOAT32, 10), 0);
                  } else {
                    pg.allReduce(new float[10], ReduceOp.SUM);
                  }
                  return null;
                } catch (CommException e) {
                  return e;
                }
              });
      for (Throwable e : errors) {
        assertThat(e)
            .isInstanceOf(CollectiveMismatchException.class)
            .hasMessageContaining("rank 0 called allReduce #1(FLOAT32 x 10, SUM)")
            .hasMessageContaining("rank 1 called broadcast #1(FLOAT32 x 10, root 0)");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TransportKind.class,
      names = {"TCP", "SHM"})
  void abortShouldFailPendingWorkOnEveryRank(TransportKind k) throws Exception {
    CommConfig cfg = ThreadWorld.config(k).toBuilder().timeout(Duration.ofSeconds(20)).build();
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      List<Long> millis =
          w.run(
              2,
              0,
              cfg,
              pg -> {
                pg.barrier();
                long t0 = System.nanoTime();
                if (pg.rank() == 0) {
                  Thread.sleep(200);
                  pg.abort("test abort");
                  assertThatThrownBy(() -> pg.barrier()).hasMessageContaining("test abort");
                } else {
                  assertThatThrownBy(() -> pg.allReduce(new float[1000], ReduceOp.SUM))
                      .isInstanceOf(CommException.class)
                      .hasMessageContaining("rank 0");
                }
                return (System.nanoTime() - t0) / 1_000_000;
              });
      // Rank 1 learns of the abort from the closed connection, long before its 20 s timeout.
      assertThat(millis.get(1)).isLessThan(5000);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TransportKind.class,
      names = {"TCP", "SHM"})
  void awaitShouldTimeOutWhenACollectiveOutlivesTheCallersPatience(TransportKind k)
      throws Exception {
    CommConfig cfg = ThreadWorld.config(k).toBuilder().timeout(Duration.ofSeconds(5)).build();
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      w.run(
          2,
          0,
          cfg,
          pg -> {
            if (pg.rank() == 0) {
              Work work = pg.allReduceAsync(Tensor.allocate(DataType.FLOAT32, 8), ReduceOp.SUM);
              assertThatThrownBy(() -> work.await(Duration.ofMillis(100)))
                  .isInstanceOf(CommTimeoutException.class);
              assertThat(work.isCompleted()).isFalse();
              Thread.sleep(300);
              pg.allReduce(Tensor.allocate(DataType.FLOAT32, 8), ReduceOp.SUM);
              work.await();
              assertThat(work.isSuccess()).isTrue();
            } else {
              Thread.sleep(400);
              pg.allReduce(Tensor.allocate(DataType.FLOAT32, 8), ReduceOp.SUM);
              pg.allReduce(Tensor.allocate(DataType.FLOAT32, 8), ReduceOp.SUM);
            }
            return null;
          });
    }
  }
}
