package dev.cohort.ops.watch;

import static dev.cohort.ops.watch.RunFolderFixture.step;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.metrics.MemoryReport;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertsTest {
  @TempDir Path dir;

  private List<Alert> alerts(RunWatch watch, long now, boolean live, long hostBytes) {
    watch.refresh();
    return Alerts.of(watch, now, live, hostBytes);
  }

  @Test
  void aHealthyRunRaisesNothing() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    for (int s = 0; s < 60; s++) {
      for (int r = 0; r < 2; r++) {
        run.append(r, 1000 + 50L * s, step(s, 2.0 - s * 0.01, 50, 3), 100 << 20, 0);
      }
    }
    assertThat(alerts(new RunWatch(dir), 1000 + 50L * 60, true, 1L << 34)).isEmpty();
  }

  @Test
  void aNonFiniteLossStaysRaisedNamingItsRankAndStep() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    run.append(0, 1000, step(0, 2.3, 50, 0), 1, 0);
    run.append(1, 1000, step(0, 2.3, 50, 0), 1, 0);
    run.append(1, 1050, step(1, Double.NaN, 50, 0), 1, 0);
    run.append(1, 1100, step(2, 1.0, 50, 0), 1, 0);
    RunWatch watch = new RunWatch(dir);
    List<Alert> a = alerts(watch, 1100, true, 0);
    assertThat(a).hasSize(1);
    assertThat(a.get(0).kind()).isEqualTo(Alert.Kind.NAN);
    assertThat(a.get(0).rank()).isEqualTo(1);
    assertThat(a.get(0).step()).isEqualTo(1);
    assertThat(a.get(0).message()).contains("loss is NaN at step 1 on rank 1");

    run.append(0, 1200, step(1, Double.POSITIVE_INFINITY, 50, 0), 1, 0);
    assertThat(alerts(watch, 1200, true, 0))
        .extracting(Alert::message)
        .anySatisfy(m -> assertThat(m).contains("loss is Infinity at step 1 on rank 0"));
  }

  @Test
  void aSpikeIsALossFarAboveTheRecentMedian() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    for (int s = 0; s < 30; s++) {
      run.append(0, 1000 + s, step(s, 1.0 + (s % 3) * 0.1, 50, 0), 1, 0);
    }
    RunWatch watch = new RunWatch(dir);
    assertThat(alerts(watch, 1030, false, 0)).isEmpty();
    run.append(0, 1031, step(30, 2.1, 50, 0), 1, 0); // under twice the median 1.1
    assertThat(alerts(watch, 1031, false, 0)).isEmpty();
    run.append(0, 1032, step(31, 3.5, 50, 0), 1, 0);
    List<Alert> a = alerts(watch, 1032, false, 0);
    assertThat(a)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.kind()).isEqualTo(Alert.Kind.SPIKE);
              assertThat(x.step()).isEqualTo(31);
              assertThat(x.message())
                  .contains("loss spike at step 31: 3.5000, 3.2x the median 1.1000");
            });
  }

  @Test
  void aNoisyLossIsNoSpike() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    java.util.Random random = new java.util.Random(1);
    for (int s = 0; s < 50; s++) { // a small batch's loss late in training: 0.1 to 0.5
      run.append(0, 1000 + s, step(s, 0.1 + 0.4 * random.nextDouble(), 50, 0), 1, 0);
    }
    run.append(0, 1050, step(50, 0.85, 50, 0), 1, 0); // 3x the median, yet within the noise
    RunWatch watch = new RunWatch(dir);
    assertThat(alerts(watch, 1050, false, 0)).isEmpty();
    run.append(0, 1051, step(51, 4.0, 50, 0), 1, 0);
    assertThat(alerts(watch, 1051, false, 0))
        .extracting(Alert::kind)
        .containsExactly(Alert.Kind.SPIKE);
  }

  @Test
  void aStragglerIsTheRankTheOthersWaitFor() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    for (int s = 0; s < 25; s++) {
      run.append(0, 1000 + s, step(s, 1, 100, 40), 1, 0);
      run.append(1, 1000 + s, step(s, 1, 100, 2), 1, 0); // computes longer, waits for no one
      run.append(2, 1000 + s, step(s, 1, 100, 38), 1, 0);
    }
    List<Alert> a = alerts(new RunWatch(dir), 1025, false, 0);
    assertThat(a)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.kind()).isEqualTo(Alert.Kind.STRAGGLER);
              assertThat(x.rank()).isEqualTo(1);
              assertThat(x.message())
                  .contains(
                      "rank 1 is a straggler: the others wait 39.0 ms a step for it, of 100.0 ms");
            });
  }

  @Test
  void waitingLessThanAFifthOfAStepIsNoStraggler() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    for (int s = 0; s < 25; s++) {
      run.append(0, 1000 + s, step(s, 1, 100, 19), 1, 0);
      run.append(1, 1000 + s, step(s, 1, 100, 1), 1, 0);
    }
    assertThat(alerts(new RunWatch(dir), 1025, false, 0)).isEmpty();
  }

  @Test
  void aSilentRankRaisesAHeartbeatAlertOnlyWhileTheRunIsLive() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    for (int s = 0; s < 10; s++) {
      run.append(0, 1000 + 50L * s, step(s, 1, 50, 0), 1, 0);
      run.append(1, 1000 + 50L * s, step(s, 1, 50, 0), 1, 0);
    }
    run.append(0, 1500, step(10, 1, 50, 0), 1, 0);
    RunWatch watch = new RunWatch(dir);
    assertThat(alerts(watch, 1500 + 14_000, true, 0)).as("under 15 s").isEmpty();
    List<Alert> a = alerts(watch, 1450 + 20_000, true, 0);
    assertThat(a).extracting(Alert::kind).containsOnly(Alert.Kind.HEARTBEAT);
    assertThat(a).extracting(Alert::rank).containsExactly(0, 1);
    assertThat(a.get(1).message())
        .contains("rank 1 has not finished a step for 20 s (its last was step 9");
    assertThat(alerts(watch, 1450 + 20_000, false, 0)).as("a finished run").isEmpty();
  }

  @Test
  void afterAnEpochsLastStepTheWorkersMayEvaluateLonger() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    run.config(1, 10);
    for (int s = 0; s < 10; s++) { // step 9 ends the first epoch of 10 steps
      run.append(0, 1000 + 50L * s, step(s, 1, 50, 0), 1, 0);
    }
    RunWatch watch = new RunWatch(dir);
    assertThat(alerts(watch, 1450 + 60_000, true, 0)).as("evaluating").isEmpty();
    assertThat(alerts(watch, 1450 + 121_000, true, 0))
        .extracting(Alert::kind)
        .containsExactly(Alert.Kind.HEARTBEAT);
  }

  @Test
  void memoryNearTheBudgetOrTheMachineIsRaised() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    run.append(0, 1000, step(0, 1, 50, 0), 6L << 30, 0);
    run.append(1, 1000, step(0, 1, 50, 0), 3L << 30, 0);
    RunWatch watch = new RunWatch(dir);
    assertThat(alerts(watch, 1000, false, 16L << 30)).isEmpty();
    assertThat(alerts(watch, 1000, false, 10L << 30))
        .singleElement()
        .satisfies(
            a ->
                assertThat(a.message())
                    .isEqualTo(
                        "the workers hold 9.0 GiB resident, 90% of this machine's 10.0 GiB"));

    WorkerMemory held = new WorkerMemory(60 << 20, 20 << 20, 10 << 20, 5 << 20, 0);
    new MemoryReport(100 << 20, List.of(new MemoryReport.Worker(0, List.of(0), null, held, 0)))
        .write(dir.resolve(MemoryReport.FILE));
    assertThat(alerts(watch, 1000, false, 0))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind()).isEqualTo(Alert.Kind.MEMORY);
              assertThat(a.message())
                  .isEqualTo("rank 0 holds 95.0 MiB, 95% of the --memory-budget 100.0 MiB");
            });
  }
}
