package dev.cohort.comm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WorldTest {

  @Test
  void torchrunStyleVariablesShouldBeRead() {
    World w =
        World.detect(
            Map.of(
                "RANK",
                "2",
                "WORLD_SIZE",
                "4",
                "LOCAL_RANK",
                "0",
                "MASTER_ADDR",
                "10.1.2.3",
                "MASTER_PORT",
                "1234"));
    assertThat(w)
        .isEqualTo(new World("10.1.2.3", 1234, 2, 4, 0, true, 0, "RANK/WORLD_SIZE variables"));
    assertThat(w.toInit()).isEqualTo(new ProcessGroups.Init("10.1.2.3", 1234, 2, 4, 0, true));
  }

  @Test
  void underACohortLauncherTheLauncherHostsTheStore() {
    World w =
        World.detect(Map.of("RANK", "0", "WORLD_SIZE", "2", EnvKeys.COHORT_LAUNCHER_STORE, "1"));
    assertThat(w.hostStore()).isFalse();
    assertThat(w.source()).isEqualTo("cohort launcher");
  }

  @Test
  void openMpiAndSlurmShouldBeRecognized() {
    World mpi =
        World.detect(
            Map.of(
                "OMPI_COMM_WORLD_RANK",
                "1",
                "OMPI_COMM_WORLD_SIZE",
                "3",
                "OMPI_COMM_WORLD_LOCAL_RANK",
                "1"));
    assertThat(mpi.rank()).isEqualTo(1);
    assertThat(mpi.size()).isEqualTo(3);
    assertThat(mpi.hostStore()).isTrue();
    assertThat(mpi.storePort()).isEqualTo(29500);
    World slurm =
        World.detect(
            Map.of(
                "SLURM_PROCID",
                "5",
                "SLURM_NTASKS",
                "8",
                "SLURM_LOCALID",
                "1",
                "MASTER_ADDR",
                "node7",
                "COHORT_GENERATION",
                "3"));
    assertThat(slurm).isEqualTo(new World("node7", 29500, 5, 8, 1, true, 3, "Slurm"));
  }

  @Test
  void aSystemPropertyShouldWinOverTheVariable() {
    World w =
        World.detect(Env.of(Map.of("RANK", "0", "WORLD_SIZE", "2"), Map.of("MASTER_PORT", "4321")));
    assertThat(w.storePort()).isEqualTo(4321);
  }

  @Test
  void nothingOrNonsenseShouldSayWhatToSet() {
    assertThatThrownBy(() -> World.detect(Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("RANK, WORLD_SIZE, MASTER_ADDR");
    assertThatThrownBy(() -> World.detect(Map.of("RANK", "4", "WORLD_SIZE", "4")))
        .hasMessageContaining("impossible");
    assertThatThrownBy(() -> World.detect(Map.of("RANK", "x", "WORLD_SIZE", "4")))
        .hasMessageContaining("RANK must be an integer");
    assertThatThrownBy(
            () -> World.detect(Map.of("RANK", "0", "WORLD_SIZE", "1", "MASTER_PORT", "70000")))
        .hasMessage("MASTER_PORT must be a port from 0 to 65535, got 70000");
  }

  @Test
  void theJobShouldComeFromCohortTorchrunOrSlurmInThatOrder() {
    Map<String, String> base = Map.of("RANK", "0", "WORLD_SIZE", "1");
    assertThat(World.detect(base).job()).isEqualTo("default");
    assertThat(World.detect(with(base, "SLURM_JOB_ID", "77", "SLURM_STEP_ID", "2")).job())
        .isEqualTo("slurm-77.2");
    assertThat(World.detect(with(base, "SLURM_JOB_ID", "77", "TORCHELASTIC_RUN_ID", "run-9")).job())
        .isEqualTo("run-9");
    assertThat(World.detect(with(base, "TORCHELASTIC_RUN_ID", "run-9", "COHORT_JOB_ID", "mine")))
        .extracting(World::job)
        .isEqualTo("mine");
    assertThat(World.detect(with(base, "COHORT_JOB_ID", "mine")).toInit().job()).isEqualTo("mine");
  }

  private static Map<String, String> with(Map<String, String> base, String... kv) {
    Map<String, String> m = new java.util.HashMap<>(base);
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
