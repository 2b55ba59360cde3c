package dev.cohort.comm.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CommException;
import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.Store;
import dev.cohort.comm.StoreException;
import dev.cohort.comm.ThreadWorld;
import java.net.InetAddress;
import java.net.ServerSocket;
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
class StoreTest {
  private StoreServer server;
  private TcpStore store;

  @BeforeEach
  void start() {
    server = StoreServer.start("127.0.0.1", 0, ThreadWorld.SECRET, 1 << 20);
    store = connect();
  }

  @AfterEach
  void stop() {
    store.close();
    server.close();
  }

  private TcpStore connect() {
    return TcpStore.connect(
        "127.0.0.1", server.port(), ThreadWorld.SECRET, Duration.ofSeconds(5), 1 << 20);
  }

  @Test
  void getShouldReturnWhatSetStored() {
    store.set("a", "1".getBytes(UTF_8));
    assertThat(store.get("a", Duration.ofSeconds(1))).isEqualTo("1".getBytes(UTF_8));
    assertThat(store.tryGet("missing")).isEmpty();
  }

  @Test
  void getShouldWaitUntilAnotherClientSetsTheKey() throws Exception {
    CompletableFuture<byte[]> waiting =
        CompletableFuture.supplyAsync(() -> store.get("late", Duration.ofSeconds(10)));
    Thread.sleep(100);
    assertThat(waiting).isNotDone();
    try (TcpStore other = connect()) {
      other.set("late", new byte[] {7});
    }
    assertThat(waiting.get(5, TimeUnit.SECONDS)).containsExactly(7);
  }

  @Test
  void getShouldTimeOutNamingTheKey() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> store.get("never", Duration.ofMillis(200)))
        .isInstanceOf(CommTimeoutException.class)
        .hasMessageContaining("never");
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
  }

  @Test
  void waitForShouldNameTheMissingKeys() {
    store.set("k1", new byte[0]);
    assertThatThrownBy(() -> store.waitFor(List.of("k1", "k2"), Duration.ofMillis(200)))
        .isInstanceOf(CommTimeoutException.class)
        .hasMessageContaining("[k2]");
    assertThat(store.check(List.of("k1"))).isTrue();
    assertThat(store.check(List.of("k1", "k2"))).isFalse();
  }

  @Test
  void addShouldCountAtomicallyAcrossClients() throws Exception {
    List<CompletableFuture<Void>> adders = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      adders.add(
          CompletableFuture.runAsync(
              () -> {
                try (TcpStore s = connect()) {
                  for (int i = 0; i < 100; i++) {
                    s.add("n", 1);
                  }
                }
              }));
    }
    CompletableFuture.allOf(adders.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
    assertThat(store.add("n", 0)).isEqualTo(400);
  }

  @Test
  void addOnANonCounterShouldFailClearly() {
    store.set("text", "hello".getBytes(UTF_8));
    assertThatThrownBy(() -> store.add("text", 1))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("not a counter");
  }

  @Test
  void compareAndSetShouldSwapOnlyOnMatch() {
    assertThat(store.compareAndSet("c", null, new byte[] {1})).containsExactly(1);
    assertThat(store.compareAndSet("c", null, new byte[] {2})).containsExactly(1);
    assertThat(store.compareAndSet("c", new byte[] {1}, new byte[] {3})).containsExactly(3);
    assertThat(store.delete("c")).isTrue();
    assertThat(store.delete("c")).isFalse();
    assertThat(store.compareAndSet("c", new byte[] {3}, new byte[] {4})).isNull();
  }

  @Test
  void prefixStoreShouldIsolateKeys() {
    try (InMemoryStore inner = new InMemoryStore()) {
      Store a = new PrefixStore(inner, "a");
      Store b = new PrefixStore(inner, "b");
      a.set("k", new byte[] {1});
      assertThat(b.tryGet("k")).isEmpty();
      assertThat(inner.tryGet("a/k")).isPresent();
    }
  }

  @Test
  void startingOnAPortInUseShouldNameThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> StoreServer.start("127.0.0.1", port, ThreadWorld.SECRET, 1 << 20))
          .isInstanceOf(CommException.class)
          .hasMessageContaining(":" + port)
          .hasMessageContaining("port");
    }
  }

  @Test
  void connectShouldTimeOutWhenNoStoreListens() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertThatThrownBy(
            () ->
                TcpStore.connect(
                    "127.0.0.1", port, ThreadWorld.SECRET, Duration.ofMillis(300), 1 << 20))
        .isInstanceOf(CommTimeoutException.class)
        .hasMessageContaining("127.0.0.1:" + port);
  }

  @Test
  void clientsShouldFailWhenTheStoreGoesAway() {
    server.close();
    assertThatThrownBy(() -> store.get("x", Duration.ofSeconds(1)))
        .isInstanceOf(StoreException.class);
  }
}
