package dev.cohort.comm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CohortTest {

  @Test
  void aWorldOfOneShouldFormFromItsVariablesAndAllReduce() {
    Map<String, String> env =
        Map.of(
            "RANK",
            "0",
            "WORLD_SIZE",
            "1",
            "MASTER_PORT",
            "0",
            "COHORT_SECRET",
            Secrets.generate(),
            "COHORT_TIMEOUT_MS",
            "10000");
    try (ProcessGroup pg = Cohort.init(env)) {
      float[] x = {1.5f, 2f};
      pg.allReduce(x, ReduceOp.SUM);
      assertThat(pg.rank()).isZero();
      assertThat(pg.size()).isEqualTo(1);
      assertThat(x).containsExactly(1.5f, 2f);
    }
  }

  @Test
  void aProgramStartedOnItsOwnShouldFormAWorldOfOne() {
    for (Map<String, String> env :
        List.of(Map.<String, String>of(), Map.of("COHORT_SECRET", Secrets.generate()))) {
      try (ProcessGroup pg = Cohort.init(env)) {
        int[] x = {7};
        pg.allReduce(x, ReduceOp.SUM);
        assertThat(pg.size()).isEqualTo(1);
        assertThat(x).containsExactly(7);
      }
    }
  }

  @Test
  void aLaunchedWorldWithoutASecretShouldSayWhatToSet() {
    assertThatThrownBy(() -> Cohort.init(Map.of("RANK", "0", "WORLD_SIZE", "2")))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("set COHORT_SECRET or COHORT_SECRET_FILE");
    assertThatThrownBy(() -> Cohort.init(Map.of("RANK", "0", "WORLD_SIZE", "1")))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("set COHORT_SECRET or COHORT_SECRET_FILE");
  }

  @Test
  void theRunFolderAndRestartCountShouldComeFromTheLauncher() {
    Env launched = Env.of(Map.of("COHORT_RUN_DIR", "/runs/a", "COHORT_RESTART_COUNT", "2"));
    assertThat(Cohort.runDir(launched)).contains(Path.of("/runs/a"));
    assertThat(Cohort.restartCount(launched)).isEqualTo(2);
    Env bare = Env.of(Map.of());
    assertThat(Cohort.runDir(bare)).isEmpty();
    assertThat(Cohort.restartCount(bare)).isZero();
  }

  @Test
  void aMalformedRestartCountShouldBeNamed() {
    assertThatThrownBy(() -> Cohort.restartCount(Env.of(Map.of("COHORT_RESTART_COUNT", "two"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("COHORT_RESTART_COUNT must be an integer, got 'two'");
    assertThatThrownBy(() -> Cohort.restartCount(Env.of(Map.of("COHORT_RESTART_COUNT", "-1"))))
        .hasMessage("COHORT_RESTART_COUNT must be an integer >= 0, got '-1'");
  }

  @Test
  void aMalformedLauncherPidShouldBeNamedBeforeJoining() {
    assertThatThrownBy(() -> Cohort.init(Map.of("COHORT_LAUNCHER_PID", "launcher")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("COHORT_LAUNCHER_PID must be a process id, got 'launcher'");
  }
}
