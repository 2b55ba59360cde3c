package dev.cohort.comm.group;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CollectiveOptions;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hierarchical all-reduce on worlds whose ranks are told their hosts: sums and averages exact
 * and the same bits on every rank, hosts of different sizes weighing each rank alike, buffers from
 * {@code allocate} in the host's shared memory, flat worlds where it would not pay, and a failure
 * that keeps its type and names its step.
 */
@Timeout(120)
class HostHierarchyTest {

  private interface Body<T> {
    T run(DefaultProcessGroup pg) throws Exception;
  }

  /** A world of {@code hosts.size()} ranks (threads) whose hosts are {@code hosts}. */
  private static <T> List<T> run(CommConfig cfg, List<String> hosts, Body<T> body)
      throws Exception {
    int size = hosts.size();
    ExecutorService pool = Executors.newCachedThreadPool();
    try (StoreServer server =
        StoreServer.start("127.0.0.1", 0, ThreadWorld.SECRET, cfg.maxFrameBytes())) {
      List<Future<T>> futures = new ArrayList<>();
      for (int r = 0; r < size; r++) {
        int rank = r;
        futures.add(
            pool.submit(
                () -> {
                  try (TcpStore store =
                          TcpStore.connect(
                              "127.0.0.1",
                              server.port(),
                              ThreadWorld.SECRET,
                              Duration.ofSeconds(10),
                              cfg.maxFrameBytes());
                      DefaultProcessGroup pg =
                          DefaultProcessGroup.connect(
                              cfg,
                              Rendezvous.join(store, rank, size, 0, cfg.timeout()),
                              rank,
                              size,
                              hosts)) {
                    return body.run(pg);
                  }
                }));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get(100, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static float[] allReduce(DefaultProcessGroup pg, ReduceOp op, int count) {
    Tensor t = pg.allocate(DataType.FLOAT32, count);
    var f = t.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int i = 0; i < count; i++) {
      f.put(i, (pg.rank() + 1) * (i + 1) + 0.1f * pg.rank());
    }
    pg.allReduce(t, op);
    float[] out = new float[count];
    f.get(0, out);
    return out;
  }

  @Test
  void twoHostsOfTwoShouldSumAndAverageAsTheFlatAllReduce() throws Exception {
    CommConfig cfg = ThreadWorld.config(TransportKind.AUTO);
    List<String> hosts = List.of("a", "a", "b", "b");
    List<float[][]> got =
        run(
            cfg,
            hosts,
            pg -> {
              assertThat(pg.hierarchyHosts()).isEqualTo(2);
              return new float[][] {
                allReduce(pg, ReduceOp.SUM, 1001),
                allReduce(pg, ReduceOp.AVG, 77),
                allReduce(pg, ReduceOp.MAX, 5)
              };
            });
    List<float[][]> flat =
        run(
            cfg.toBuilder().hierarchical(false).build(),
            hosts,
            pg -> {
              assertThat(pg.hierarchyHosts()).isZero();
              return new float[][] {
                allReduce(pg, ReduceOp.SUM, 1001),
                allReduce(pg, ReduceOp.AVG, 77),
                allReduce(pg, ReduceOp.MAX, 5)
              };
            });
    for (int r = 0; r < 4; r++) {
      for (int k = 0; k < 3; k++) {
        assertThat(got.get(r)[k])
            .as("rank %d, op %d: the same bits", r, k)
            .isEqualTo(got.get(0)[k]);
      }
    }
    float[] sum = got.get(0)[0];
    float[] avg = got.get(0)[1];
    for (int i = 0; i < 1001; i++) {
      assertThat(sum[i]).isCloseTo(flat.get(0)[0][i], org.assertj.core.data.Offset.offset(1e-3f));
    }
    for (int i = 0; i < 77; i++) {
      assertThat(avg[i]).isCloseTo(flat.get(0)[1][i], org.assertj.core.data.Offset.offset(1e-4f));
    }
    assertThat(got.get(0)[2]).isEqualTo(flat.get(0)[2]);
  }

  @Test
  void hostsOfDifferentSizesShouldWeighEveryRankAlike() throws Exception {
    List<Float> got =
        run(
            ThreadWorld.config(TransportKind.TCP),
            List.of("a", "a", "a", "b"),
            pg -> {
              float[] x = {pg.rank()};
              pg.allReduce(x, ReduceOp.AVG);
              return x[0];
            });
    assertThat(got).containsOnly(1.5f); // (0 + 1 + 2 + 3) / 4, not ((0 + 1 + 2) / 3 + 3) / 2
  }

  @Test
  void aFlatWorldShouldNotFormOne() throws Exception {
    CommConfig cfg = ThreadWorld.config(TransportKind.TCP);
    assertThat(run(cfg, List.of("a", "a", "a"), DefaultProcessGroup::hierarchyHosts))
        .containsOnly(0);
    assertThat(run(cfg, List.of("a", "b", "c"), DefaultProcessGroup::hierarchyHosts))
        .containsOnly(0);
  }

  @Test
  void aStepThatTimesOutShouldStayATimeoutAndNameTheStep() throws Exception {
    List<Throwable> got =
        run(
            ThreadWorld.config(TransportKind.TCP),
            List.of("a", "a", "b", "b"),
            pg -> {
              if (pg.rank() == 3) {
                Thread.sleep(3000); // rank 3 never joins this all-reduce
                return null;
              }
              float[] x = {1};
              try {
                pg.allReduce(
                    dev.cohort.comm.Tensor.of(
                        java.nio.ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()),
                        DataType.FLOAT32,
                        1),
                    ReduceOp.SUM,
                    CollectiveOptions.withTimeout(Duration.ofMillis(500)));
                return null;
              } catch (RuntimeException e) {
                return e;
              }
            });
    assertThat(got.get(2)).isInstanceOf(CommTimeoutException.class);
    assertThat(got.get(2)).hasMessageContaining("step within the host, ranks [2, 3]");
  }
}
