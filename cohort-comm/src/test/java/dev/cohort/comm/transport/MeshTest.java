package dev.cohort.comm.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommException;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.group.DefaultProcessGroup;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MeshTest {

  @Test
  void aStrangerOnTheDataPortShouldBeDroppedWithoutDisturbingTheGroup() throws Exception {
    CommConfig cfg = ThreadWorld.config(CommConfig.TransportKind.TCP);
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, ThreadWorld.SECRET, 1 << 20)) {
      CompletableFuture<Integer> rank0 =
          CompletableFuture.supplyAsync(() -> connectAndSum(cfg, server, 0));
      String addr;
      try (TcpStore watcher = store(server)) {
        addr = new String(watcher.get("addr/0", Duration.ofSeconds(10)), UTF_8).split("\\|")[0];
      }
      int port = Integer.parseInt(addr.substring(addr.lastIndexOf(':') + 1));
      try (Socket stranger = new Socket("127.0.0.1", port)) {
        OutputStream out = stranger.getOutputStream();
        out.write(new byte[] {0, 0, 0, 40, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        out.flush();
        Thread.sleep(200);
      }
      CompletableFuture<Integer> rank1 =
          CompletableFuture.supplyAsync(() -> connectAndSum(cfg, server, 1));
      assertThat(rank0.get(30, TimeUnit.SECONDS)).isEqualTo(3);
      assertThat(rank1.get(30, TimeUnit.SECONDS)).isEqualTo(3);
    }
  }

  @Test
  void aDataPortRangeThatIsAllInUseShouldSaySo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        StoreServer server = StoreServer.start("127.0.0.1", 0, ThreadWorld.SECRET, 1 << 20);
        TcpStore store = store(server)) {
      int p = taken.getLocalPort();
      CommConfig cfg =
          ThreadWorld.config(CommConfig.TransportKind.TCP).toBuilder().portRange(p, p).build();
      assertThatThrownBy(() -> DefaultProcessGroup.connect(cfg, store, 0, 2))
          .isInstanceOf(CommException.class)
          .hasMessageContaining("ports " + p + "-" + p)
          .hasMessageContaining("COHORT_PORT_RANGE");
    }
  }

  @Test
  void aPeerWithTheWrongSecretShouldNotJoin() throws Exception {
    CommConfig good =
        ThreadWorld.config(CommConfig.TransportKind.TCP).toBuilder()
            .timeout(Duration.ofSeconds(3))
            .build();
    CommConfig bad = good.toBuilder().secret("wrong".getBytes()).build();
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, ThreadWorld.SECRET, 1 << 20)) {
      CompletableFuture<Integer> rank0 =
          CompletableFuture.supplyAsync(() -> formAndSum(good, server, 0));
      // The store is reached with the right secret, the peer link with the wrong one.
      try (TcpStore s = store(server)) {
        assertThatThrownBy(() -> ProcessGroups.join(bad, s, 1, 2, 0))
            .isInstanceOf(CommException.class)
            .hasMessageContaining("secret");
      }
      assertThatThrownBy(() -> rank0.get(30, TimeUnit.SECONDS))
          .hasMessageContaining("connections from ranks 1")
          .hasMessageContaining("COHORT_SECRET");
    }
  }

  private static TcpStore store(StoreServer server) {
    return TcpStore.connect(
        "127.0.0.1", server.port(), ThreadWorld.SECRET, Duration.ofSeconds(5), 1 << 20);
  }

  /** Connects the mesh directly, skipping world formation, so the data port opens at once. */
  private static int connectAndSum(CommConfig cfg, StoreServer server, int rank) {
    try (TcpStore s = store(server);
        ProcessGroup pg = DefaultProcessGroup.connect(cfg, s, rank, 2)) {
      int[] x = {rank + 1};
      pg.allReduce(x, ReduceOp.SUM);
      return x[0];
    }
  }

  private static int formAndSum(CommConfig cfg, StoreServer server, int rank) {
    try (TcpStore s = store(server);
        ProcessGroup pg = ProcessGroups.join(cfg, s, rank, 2, 0)) {
      int[] x = {rank + 1};
      pg.allReduce(x, ReduceOp.SUM);
      return x[0];
    }
  }
}
