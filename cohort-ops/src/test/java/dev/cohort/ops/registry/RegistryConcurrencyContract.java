package dev.cohort.ops.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two writers at once, a writer blocked by another connection, and a writer that fails half-way;
 * run on every backend.
 */
interface RegistryConcurrencyContract {

  RegistryBackend backend();

  @Test
  @Timeout(120)
  default void concurrentRegistersFromTwoConnectionsShouldGetDistinctVersions() throws Exception {
    String url = backend().newRegistryUrl();
    int perWriter = 6;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Registry first = Registry.open(url);
        Registry second = Registry.open(url)) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Integer>>> writers = new ArrayList<>();
      for (Registry registry : List.of(first, second)) {
        writers.add(
            pool.submit(
                () -> {
                  start.await();
                  List<Integer> got = new ArrayList<>();
                  for (int i = 0; i < perWriter; i++) {
                    got.add(registry.register(Fixtures.version(0.8, 0.7), "w").version());
                  }
                  return got;
                }));
      }
      start.countDown();
      List<Integer> all = new ArrayList<>();
      for (Future<List<Integer>> writer : writers) {
        all.addAll(writer.get(100, TimeUnit.SECONDS));
      }
      assertThat(all).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
      assertThat(first.list("demo")).hasSize(2 * perWriter);
      AuditCheck check = second.verifyAudit();
      assertThat(check.intact()).as(check.reason()).isTrue();
      assertThat(check.entries()).isEqualTo(2 * perWriter);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Timeout(60)
  default void lockedRegistryShouldFailClearlyWithinTheTimeoutAndLoseNothing() throws Exception {
    String url = backend().newRegistryUrl();
    try (Registry registry = Registry.open(url)) {
      registry.register(Fixtures.version(0.80, 0.70), "alice");
      registry.register(Fixtures.version(0.85, 0.70), "alice");
      registry.promote("demo", 1, Gate.DEFAULT, false, "alice");
      AutoCloseable lock = backend().holdWriteLock(url);
      try {
        long started = System.nanoTime();
        assertThatThrownBy(() -> registry.register(Fixtures.version(0.9, 0.7), "alice"))
            .isInstanceOf(RegistryException.class)
            .hasMessage(
                "registry "
                    + registry.location()
                    + " is locked by another process for more than 5 s; nothing was changed;"
                    + " retry when the other registry command has finished");
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        assertThat(waited).isBetween(Duration.ofMillis(4500), Duration.ofMillis(15000));
        assertThatThrownBy(() -> registry.promote("demo", 2, Gate.DEFAULT, false, "alice"))
            .hasMessageContaining("is locked by another process");
        // Readers do not wait for the writer.
        assertThat(registry.list("demo")).hasSize(2);
      } finally {
        lock.close();
      }
      assertThat(registry.list("demo")).extracting(ModelVersion::version).containsExactly(1, 2);
      assertThat(registry.champion("demo")).map(ModelVersion::version).contains(1);
      assertThat(registry.audit()).hasSize(3);
      assertThat(registry.verifyAudit().intact()).isTrue();
      assertThat(registry.register(Fixtures.version(0.9, 0.7), "alice").version()).isEqualTo(3);
    }
  }

  @Test
  @Timeout(60)
  default void failureHalfWayThroughAChangeShouldLeaveNothingWritten() throws Exception {
    String url = backend().newRegistryUrl();
    try (Registry registry = Registry.open(url)) {
      registry.register(Fixtures.version(0.80, 0.70), "alice");
      registry.register(Fixtures.version(0.85, 0.70), "alice");
      registry.promote("demo", 1, Gate.DEFAULT, false, "alice");
      backend().execute(url, backend().failAuditInserts());
      // Each change writes its own row first and fails on the audit entry after it.
      assertThatThrownBy(() -> registry.register(Fixtures.version(0.9, 0.7), "alice"))
          .isInstanceOf(RegistryException.class)
          .hasMessageStartingWith(
              "registry " + registry.location() + ": could not register a version of demo (")
          .hasMessageContaining("audit disk full")
          .hasMessageEndingWith("); nothing was changed")
          .hasMessageNotContaining("\n");
      assertThatThrownBy(() -> registry.promote("demo", 2, Gate.DEFAULT, false, "alice"))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("could not promote demo v2");
      backend().execute(url, backend().allowAuditInserts());
      assertThat(registry.list("demo")).extracting(ModelVersion::version).containsExactly(1, 2);
      assertThat(registry.champion("demo")).map(ModelVersion::version).contains(1);
      // Had the failed promotion left its alias row, this rollback would return to v1.
      assertThatThrownBy(() -> registry.rollback("demo", "ops"))
          .hasMessageStartingWith("nothing to roll back to");
      assertThat(registry.audit()).hasSize(3);
      assertThat(registry.verifyAudit().intact()).isTrue();
      assertThat(registry.register(Fixtures.version(0.9, 0.7), "alice").version()).isEqualTo(3);
    }
  }
}
