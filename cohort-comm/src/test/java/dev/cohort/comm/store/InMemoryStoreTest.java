package dev.cohort.comm.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class InMemoryStoreTest {
  private final InMemoryStore store = new InMemoryStore();

  @Test
  void getShouldWaitUntilAnotherThreadSetsTheKey() throws Exception {
    CompletableFuture<byte[]> waiting =
        CompletableFuture.supplyAsync(() -> store.get("late", Duration.ofSeconds(10)));
    Thread.sleep(100);
    assertThat(waiting).isNotDone();
    store.set("late", new byte[] {7});
    assertThat(waiting.get(5, TimeUnit.SECONDS)).containsExactly(7);
  }

  @Test
  void getShouldTimeOutNamingTheKeyWhenItIsNeverSet() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> store.get("never", Duration.ofMillis(200)))
        .isInstanceOf(CommTimeoutException.class)
        .hasMessageContaining("'never'")
        .hasMessageContaining("200 ms");
    assertThat(System.nanoTime() - t0)
        .isBetween(TimeUnit.MILLISECONDS.toNanos(190), TimeUnit.SECONDS.toNanos(5));
  }

  @Test
  void waitForShouldNameTheMissingKeys() {
    store.set("k1", new byte[0]);
    assertThatThrownBy(() -> store.waitFor(List.of("k1", "k2"), Duration.ofMillis(100)))
        .isInstanceOf(CommTimeoutException.class)
        .hasMessageContaining("[k2]");
    assertThat(store.check(List.of("k1"))).isTrue();
    assertThat(store.check(List.of("k1", "k2"))).isFalse();
  }

  @Test
  void valuesShouldBeCopiedInAndOut() {
    byte[] v = "abc".getBytes(UTF_8);
    store.set("k", v);
    v[0] = 'x';
    byte[] got = store.get("k", Duration.ZERO);
    got[1] = 'y';
    assertThat(store.tryGet("k"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo("abc".getBytes(UTF_8)));
  }

  // Counters, compare-and-set and delete are covered through the socket by StoreTest: the
  // server keeps its keys in an InMemoryStore.
  @Test
  void addShouldCount() {
    assertThat(store.add("n", 2)).isEqualTo(2);
    assertThat(store.add("n", 3)).isEqualTo(5);
  }

  @Test
  void closeShouldWakeWaitersWithAStoreError() throws Exception {
    CompletableFuture<byte[]> waiting =
        CompletableFuture.supplyAsync(() -> store.get("never", Duration.ofSeconds(20)));
    Thread.sleep(100);
    store.close();
    assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
  }
}
