package dev.cohort.comm.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.WorldFormationException;
import dev.cohort.comm.store.InMemoryStore;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RendezvousTest {
  private StoreServer server;

  @BeforeEach
  void start() {
    server = StoreServer.start("127.0.0.1", 0, ThreadWorld.SECRET, 1 << 20);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static TcpStore client(StoreServer s) {
    return TcpStore.connect(
        "127.0.0.1", s.port(), ThreadWorld.SECRET, Duration.ofSeconds(5), 1 << 20);
  }

  // World formation is store logic only: these run over an in-memory store, no sockets.

  @Test
  void aDuplicateRankShouldBeRefusedNamingTheOwner() {
    try (InMemoryStore store = new InMemoryStore()) {
      CompletableFuture.runAsync(() -> Rendezvous.join(store, 1, 2, 0, Duration.ofSeconds(2)));
      store.get("g0/rank/1", Duration.ofSeconds(5));
      assertThatThrownBy(() -> Rendezvous.join(store, 1, 2, 0, Duration.ofSeconds(2)))
          .isInstanceOf(WorldFormationException.class)
          .hasMessageContaining("rank 1 is already taken")
          .hasMessageContaining("same RANK");
    }
  }

  @Test
  void aWorldSizeMismatchShouldBeRefused() {
    try (InMemoryStore store = new InMemoryStore()) {
      CompletableFuture.runAsync(() -> Rendezvous.join(store, 0, 2, 0, Duration.ofSeconds(2)));
      store.get("g0/world_size", Duration.ofSeconds(5));
      assertThatThrownBy(() -> Rendezvous.join(store, 1, 3, 0, Duration.ofSeconds(2)))
          .isInstanceOf(WorldFormationException.class)
          .hasMessageContaining("world size 3")
          .hasMessageContaining("world size 2");
    }
  }

  @Test
  void missingRanksShouldBeNamedAtTheDeadline() {
    try (InMemoryStore store = new InMemoryStore()) {
      assertThatThrownBy(() -> Rendezvous.join(store, 0, 3, 0, Duration.ofMillis(300)))
          .isInstanceOf(CommTimeoutException.class)
          .hasMessageContaining("ranks [1, 2] of 3");
    }
  }

  @Test
  void invalidRankOrSizeShouldBeRejectedUpFront() {
    try (InMemoryStore store = new InMemoryStore()) {
      assertThatThrownBy(() -> Rendezvous.join(store, 2, 2, 0, Duration.ofSeconds(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("[0, 2)");
      assertThatThrownBy(() -> Rendezvous.join(store, 0, 0, 0, Duration.ofSeconds(1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aStragglerFromAnOlderGenerationShouldBeRefused() {
    try (InMemoryStore store = new InMemoryStore()) {
      store.set("generation", "3".getBytes());
      assertThatThrownBy(() -> Rendezvous.join(store, 0, 1, 2, Duration.ofSeconds(1)))
          .isInstanceOf(WorldFormationException.class)
          .hasMessageContaining("generation 2")
          .hasMessageContaining("generation 3");
    }
  }

  @Test
  void afterAStoreRestartTheWorldShouldReformUnderANewGeneration() throws Exception {
    int port = server.port();
    CommConfig cfg = ThreadWorld.config(CommConfig.TransportKind.AUTO);
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      // Generation 0 on the first store.
      assertThat(w.run(2, pg -> pg.size())).containsExactly(2, 2);
    }
    server.close();
    try (StoreServer restarted =
        StoreServer.start("127.0.0.1", port, ThreadWorld.SECRET, 1 << 20)) {
      long before;
      try (TcpStore probe = client(restarted)) {
        before = probe.serverInstanceId();
      }
      List<CompletableFuture<Integer>> ranks = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        int rank = r;
        ranks.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try (TcpStore s = client(restarted);
                      ProcessGroup pg = ProcessGroups.join(cfg, s, rank, 2, 1)) {
                    int[] x = {rank + 1};
                    pg.allReduce(x, ReduceOp.SUM);
                    return x[0];
                  }
                }));
      }
      for (CompletableFuture<Integer> f : ranks) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(3);
      }
      try (TcpStore late = client(restarted)) {
        assertThat(late.serverInstanceId()).isEqualTo(before);
        assertThatThrownBy(() -> Rendezvous.join(late, 0, 2, 0, Duration.ofSeconds(1)))
            .isInstanceOf(WorldFormationException.class)
            .hasMessageContaining("restarted");
      }
    }
  }
}
