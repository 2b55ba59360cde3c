package dev.cohort.comm.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.StoreException;
import dev.cohort.comm.ThreadWorld;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A standalone store shared by unrelated jobs: namespaces, their end, and their bounds. */
@Timeout(60)
class StoreJobsTest {
  private static final StoreLimits SMALL =
      new StoreLimits(2, 3, 10, 4096, 6000, Duration.ofSeconds(30), Duration.ZERO);

  @Test
  void twoUnrelatedJobsShouldFormTheirWorldsOnOneStoreWithoutMeeting() throws Exception {
    try (StoreServer store = small()) {
      CommConfig cfg = ThreadWorld.config(TransportKind.TCP);
      List<CompletableFuture<Float>> ranks = new ArrayList<>();
      for (String job : List.of("job-a", "job-b")) {
        for (int r = 0; r < 2; r++) {
          ProcessGroups.Init init =
              new ProcessGroups.Init("127.0.0.1", store.port(), r, 2, 0, false, job);
          float mine = job.equals("job-a") ? 1 : 10;
          ranks.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    try (ProcessGroup pg = ProcessGroups.init(cfg, init)) {
                      float[] x = {mine};
                      pg.allReduce(x, ReduceOp.SUM);
                      return x[0];
                    }
                  }));
        }
      }
      List<Float> sums = new ArrayList<>();
      for (CompletableFuture<Float> f : ranks) {
        sums.add(f.get(30, TimeUnit.SECONDS));
      }
      // Each job's two ranks met each other and no one else; before namespaces the second job
      // failed with "rank 0 is already taken".
      assertThat(sums).containsExactly(2f, 2f, 20f, 20f);
      awaitNoJobs(store);
    }
  }

  @Test
  void aJobsKeysShouldBeDeletedWhenItsLastClientLeaves() throws Exception {
    try (StoreServer store = small()) {
      try (TcpStore a = client(store, "job-a");
          TcpStore a2 = client(store, "job-a")) {
        a.set("k", "v".getBytes(UTF_8));
        a.close();
        assertThat(a2.tryGet("k")).as("another client still holds the job").isPresent();
      }
      awaitNoJobs(store);
      try (TcpStore again = client(store, "job-a")) {
        assertThat(again.tryGet("k")).as("a new job of the same name starts empty").isEmpty();
      }
    }
  }

  @Test
  void aJobsKeysShouldLingerAfterItsLastClientForTheDefaultMinute() throws Exception {
    try (StoreServer store = StoreServer.on("127.0.0.1", 0).secret(ThreadWorld.SECRET).start()) {
      try (TcpStore a = client(store, "job-a")) {
        a.set("k", "v".getBytes(UTF_8));
      }
      try (TcpStore back = client(store, "job-a")) {
        assertThat(back.tryGet("k")).as("a rank that reconnects finds its job").isPresent();
      }
    }
  }

  @Test
  void aGenerationAtTheLimitShouldLockOutOnlyItsOwnJob() throws Exception {
    try (StoreServer store = StoreServer.on("127.0.0.1", 0).secret(ThreadWorld.SECRET).start();
        TcpStore evil = client(store, "evil")) {
      evil.set("generation", Long.toString(Long.MAX_VALUE).getBytes(UTF_8));
      try (TcpStore good = client(store, "good")) {
        assertThat(good.tryGet("generation")).isEmpty();
        assertThat(good.compareAndSet("generation", null, "0".getBytes(UTF_8)))
            .isEqualTo("0".getBytes(UTF_8));
      }
    }
  }

  @Test
  void keysAndBytesOverAJobsBoundShouldBeRefusedAndTheConnectionShouldStayUsable() {
    try (StoreServer store = small();
        TcpStore c = client(store, "job-a")) {
      for (int i = 0; i < 10; i++) {
        c.set("k" + i, new byte[1]);
      }
      assertThatThrownBy(() -> c.set("k10", new byte[1]))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("job 'job-a' holds 10 keys, the most a job may");
      assertThatThrownBy(() -> c.set("k0", new byte[5000]))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("over the bound of 4096");
      assertThatThrownBy(() -> c.add("k11", 1)).isInstanceOf(StoreException.class);
      assertThat(c.get("k9", Duration.ofSeconds(1))).hasSize(1);
      assertThat(c.delete("k9")).isTrue();
      c.set("k10", new byte[1]); // room again
    }
  }

  @Test
  void allJobsTogetherShouldStayUnderTheTotalBound() {
    try (StoreServer store = small();
        TcpStore a = client(store, "job-a");
        TcpStore b = client(store, "job-b")) {
      a.set("big", new byte[4000]);
      assertThatThrownBy(() -> b.set("big", new byte[4000]))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("all jobs together hold 6000 bytes");
      a.close();
      awaitNoJobs(store, 1);
      b.set("big", new byte[4000]); // job-a ended and gave its bytes back
    }
  }

  @Test
  void moreJobsOrClientsThanTheLimitsShouldBeRefusedInOneLine() {
    try (StoreServer store = small();
        TcpStore a = client(store, "job-a");
        TcpStore b = client(store, "job-b")) {
      assertThatThrownBy(() -> client(store, "job-c"))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("already serves 2 jobs");
      try (TcpStore b2 = client(store, "job-b");
          TcpStore b3 = client(store, "job-b")) {
        assertThatThrownBy(() -> client(store, "job-b"))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("job 'job-b' already has 3 connections");
      }
      assertThat(b.check(List.of())).isTrue();
    }
  }

  @Test
  void aWaitLongerThanTheBoundShouldBeRefused() {
    try (StoreServer store = small();
        TcpStore c = client(store, "job-a")) {
      assertThatThrownBy(() -> c.get("never", Duration.ofMinutes(5)))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("a wait of 300000 ms is over this store's bound of 30000 ms");
      c.set("still", new byte[] {1});
    }
  }

  @Test
  void aMalformedJobIdShouldBeRefused() {
    try (StoreServer store = small()) {
      assertThatThrownBy(() -> client(store, "../other job"))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("job id '../other job' is not 1-64 characters");
    }
  }

  private static StoreServer small() {
    return StoreServer.on("127.0.0.1", 0).secret(ThreadWorld.SECRET).limits(SMALL).start();
  }

  private static TcpStore client(StoreServer s, String job) {
    return TcpStore.to("127.0.0.1", s.port())
        .secret(ThreadWorld.SECRET)
        .timeout(Duration.ofSeconds(5))
        .job(job)
        .connect();
  }

  private static void awaitNoJobs(StoreServer store) throws InterruptedException {
    awaitNoJobs(store, 0);
  }

  /** The server notices a closed client on its own thread: give it a moment. */
  private static void awaitNoJobs(StoreServer store, int left) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (store.jobsServed() > left && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(store.jobsServed()).isEqualTo(left);
  }
}
