package dev.cohort.comm.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommException;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.auth.Handshake;
import dev.cohort.comm.group.DefaultProcessGroup;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
      int port = dataPort(server, 0);
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
  void silentConnectionsShouldNotStallGroupFormation() throws Exception {
    CommConfig cfg = ThreadWorld.config(CommConfig.TransportKind.TCP);
    List<Socket> silent = new ArrayList<>();
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, ThreadWorld.SECRET, 1 << 20)) {
      CompletableFuture<Integer> rank0 =
          CompletableFuture.supplyAsync(() -> connectAndSum(cfg, server, 0));
      int port = dataPort(server, 0);
      for (int i = 0; i < 300; i++) {
        silent.add(new Socket("127.0.0.1", port));
      }
      long start = System.nanoTime();
      CompletableFuture<Integer> rank1 =
          CompletableFuture.supplyAsync(() -> connectAndSum(cfg, server, 1));
      assertThat(rank0.get(30, TimeUnit.SECONDS)).isEqualTo(3);
      assertThat(rank1.get(30, TimeUnit.SECONDS)).isEqualTo(3);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("formed before any silent connection ran out of time")
          .isLessThan(Handshake.DEADLINE);
    } finally {
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  @Test
  void handshakeThreadsThatCannotStartShouldNotStopTheGroup() throws Exception {
    CommConfig cfg = ThreadWorld.config(CommConfig.TransportKind.TCP);
    AtomicInteger failuresLeft = new AtomicInteger(3);
    ThreadFactory failing =
        r -> {
          if (failuresLeft.getAndDecrement() > 0) {
            throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
          }
          return new Thread(r);
        };
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, ThreadWorld.SECRET, 1 << 20)) {
      try (TcpStore s = store(server)) {
        // Rank 0 accepts once it has every address; rank 1's real one replaces this later.
        s.set("addr/1", "127.0.0.1:1|elsewhere".getBytes(UTF_8));
      }
      CompletableFuture<Integer> rank0 =
          CompletableFuture.supplyAsync(
              () -> {
                try (TcpStore s = store(server)) {
                  Pair[] pairs = Mesh.connect(cfg, s, 0, 2, failing);
                  pairs[1].close();
                  return pairs.length;
                }
              });
      int port = dataPort(server, 0);
      for (int i = 0; i < 3; i++) {
        try (Socket s = new Socket("127.0.0.1", port)) {
          s.setSoTimeout(5000);
          assertThat(s.getInputStream().read()).as("connection %d is closed", i).isEqualTo(-1);
        }
      }
      try (TcpStore s = store(server)) {
        Pair[] pairs = Mesh.connect(cfg, s, 1, 2);
        pairs[0].close();
      }
      assertThat(rank0.get(30, TimeUnit.SECONDS)).isEqualTo(2);
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
    CommConfig bad = good.toBuilder().secret(Secrets.generate().getBytes(UTF_8)).build();
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

  private static int dataPort(StoreServer server, int rank) {
    return TwoRankMesh.dataPort(server, rank, Duration.ofSeconds(10));
  }

  private static TcpStore store(StoreServer server) {
    return TwoRankMesh.client(server, Duration.ofSeconds(5));
  }

  private static int connectAndSum(CommConfig cfg, StoreServer server, int rank) {
    return TwoRankMesh.connectAndSum(cfg, server, rank, Duration.ofSeconds(5));
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
