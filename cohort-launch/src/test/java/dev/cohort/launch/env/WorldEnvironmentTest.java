package dev.cohort.launch.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.EnvKeys;
import dev.cohort.train.TrainWorker;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorldEnvironmentTest {

  @Test
  void torchrunStyleVariablesShouldBeRead() {
    TrainWorker.World w =
        WorldEnvironment.detect(
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
        .isEqualTo(
            new TrainWorker.World("10.1.2.3", 1234, 2, 4, 0, true, 0, "RANK/WORLD_SIZE variables"));
  }

  @Test
  void underCohortTrainTheLauncherHostsTheStore() {
    TrainWorker.World w =
        WorldEnvironment.detect(
            Map.of("RANK", "0", "WORLD_SIZE", "2", EnvKeys.COHORT_LAUNCHER_STORE, "1"));
    assertThat(w.hostStore()).isFalse();
    assertThat(w.source()).isEqualTo("cohort train");
  }

  @Test
  void openMpiAndSlurmShouldBeRecognized() {
    TrainWorker.World mpi =
        WorldEnvironment.detect(
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
    TrainWorker.World slurm =
        WorldEnvironment.detect(
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
    assertThat(slurm).isEqualTo(new TrainWorker.World("node7", 29500, 5, 8, 1, true, 3, "Slurm"));
  }

  @Test
  void nothingOrNonsenseShouldSayWhatToSet() {
    assertThatThrownBy(() -> WorldEnvironment.detect(Map.of()))
        .hasMessageContaining("RANK, WORLD_SIZE, MASTER_ADDR");
    assertThatThrownBy(() -> WorldEnvironment.detect(Map.of("RANK", "4", "WORLD_SIZE", "4")))
        .hasMessageContaining("impossible");
    assertThatThrownBy(() -> WorldEnvironment.detect(Map.of("RANK", "x", "WORLD_SIZE", "4")))
        .hasMessageContaining("RANK must be an integer");
  }
}
