package dev.cohort.comm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LauncherWatchTest {

  @Test
  void aLauncherThatDiesShouldBeNoticedWithinAFewPeriods() throws Exception {
    Process launcher = new ProcessBuilder("sleep", "60").start();
    CountDownLatch gone = new CountDownLatch(1);
    try (LauncherWatch w =
        LauncherWatch.watch(launcher.toHandle(), Duration.ofMillis(50), gone::countDown)) {
      assertThat(gone.await(300, TimeUnit.MILLISECONDS)).as("alive: not gone").isFalse();
      launcher.toHandle().destroyForcibly();
      assertThat(gone.await(5, TimeUnit.SECONDS)).as("noticed").isTrue();
    } finally {
      launcher.destroyForcibly();
    }
  }

  @Test
  void aClosedWatchShouldNeverFire() throws Exception {
    Process launcher = new ProcessBuilder("sleep", "60").start();
    CountDownLatch gone = new CountDownLatch(1);
    LauncherWatch.watch(launcher.toHandle(), Duration.ofMillis(20), gone::countDown).close();
    launcher.destroyForcibly().waitFor();
    assertThat(gone.await(300, TimeUnit.MILLISECONDS)).isFalse();
  }

  @Test
  void aProcessNotStartedByALauncherShouldNotBeWatched() {
    assertThat(LauncherWatch.fromEnvironment(Env.of(Map.of()))).isEmpty();
  }

  @Test
  void aMalformedLauncherPidShouldBeNamed() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> LauncherWatch.fromEnvironment(Env.of(Map.of(EnvKeys.COHORT_LAUNCHER_PID, "x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(EnvKeys.COHORT_LAUNCHER_PID);
  }
}
