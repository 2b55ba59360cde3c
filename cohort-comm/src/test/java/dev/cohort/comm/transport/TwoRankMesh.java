package dev.cohort.comm.transport;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.group.DefaultProcessGroup;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import java.time.Duration;

/**
 * Test helpers for a mesh of two ranks over a test store: a store client, the data port a rank
 * published, and a rank that connects its mesh directly (no world formation, so its data port opens
 * at once) and all-reduces its rank + 1.
 */
public final class TwoRankMesh {
  private TwoRankMesh() {}

  /** A client of {@code server} with the test secret, trying for {@code timeout} to reach it. */
  public static TcpStore client(StoreServer server, Duration timeout) {
    return TcpStore.connect("127.0.0.1", server.port(), ThreadWorld.SECRET, timeout, 1 << 20);
  }

  /** The data port that {@code rank} published, waiting up to {@code wait} for it. */
  public static int dataPort(StoreServer server, int rank, Duration wait) {
    try (TcpStore watcher = client(server, Duration.ofSeconds(10))) {
      String addr = new String(watcher.get("addr/" + rank, wait), UTF_8).split("\\|")[0];
      return Integer.parseInt(addr.substring(addr.lastIndexOf(':') + 1));
    }
  }

  /** Rank {@code rank} of two: connects the mesh, all-reduces rank + 1, returns the sum (3). */
  public static int connectAndSum(
      CommConfig cfg, StoreServer server, int rank, Duration storeTimeout) {
    try (TcpStore s = client(server, storeTimeout);
        ProcessGroup pg = DefaultProcessGroup.connect(cfg, s, rank, 2)) {
      int[] x = {rank + 1};
      pg.allReduce(x, ReduceOp.SUM);
      return x[0];
    }
  }
}
