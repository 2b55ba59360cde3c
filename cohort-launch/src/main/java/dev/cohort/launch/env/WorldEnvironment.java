package dev.cohort.launch.env;

import static dev.cohort.comm.EnvKeys.COHORT_GENERATION;
import static dev.cohort.comm.EnvKeys.COHORT_LAUNCHER_STORE;
import static dev.cohort.comm.EnvKeys.DEFAULT_MASTER_ADDR;
import static dev.cohort.comm.EnvKeys.DEFAULT_MASTER_PORT;
import static dev.cohort.comm.EnvKeys.LOCAL_RANK;
import static dev.cohort.comm.EnvKeys.MASTER_ADDR;
import static dev.cohort.comm.EnvKeys.MASTER_PORT;
import static dev.cohort.comm.EnvKeys.OMPI_COMM_WORLD_LOCAL_RANK;
import static dev.cohort.comm.EnvKeys.OMPI_COMM_WORLD_RANK;
import static dev.cohort.comm.EnvKeys.OMPI_COMM_WORLD_SIZE;
import static dev.cohort.comm.EnvKeys.RANK;
import static dev.cohort.comm.EnvKeys.SLURM_LOCALID;
import static dev.cohort.comm.EnvKeys.SLURM_NTASKS;
import static dev.cohort.comm.EnvKeys.SLURM_PROCID;
import static dev.cohort.comm.EnvKeys.WORLD_SIZE;

import dev.cohort.comm.Env;
import dev.cohort.train.TrainWorker;
import java.util.Map;

/**
 * Works out who this worker is from the environment its launcher left: Cohort's own launcher and
 * torchrun-style variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), Open MPI's
 * mpirun (OMPI_COMM_WORLD_*), or Slurm's srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID). Under
 * mpirun and srun nobody else runs a store, so rank 0 hosts it at MASTER_ADDR:MASTER_PORT (default
 * 127.0.0.1:29500). Keys are the constants of {@link dev.cohort.comm.EnvKeys}.
 */
public final class WorldEnvironment {
  private WorldEnvironment() {}

  /**
   * @throws IllegalArgumentException naming the variables to set when nothing fits
   */
  public static TrainWorker.World detect(Map<String, String> environment) {
    Env env = Env.of(environment);
    String host = env.getString(MASTER_ADDR, DEFAULT_MASTER_ADDR);
    int port = env.getInt(MASTER_PORT, DEFAULT_MASTER_PORT);
    long generation = env.getLong(COHORT_GENERATION, 0);
    if (env.isSet(RANK) && env.isSet(WORLD_SIZE)) {
      boolean launcher = "1".equals(env.get(COHORT_LAUNCHER_STORE).orElse(""));
      return world(
          host,
          port,
          env.getInt(RANK, 0),
          env.getInt(WORLD_SIZE, 1),
          env.getInt(LOCAL_RANK, 0),
          !launcher,
          generation,
          launcher ? "cohort train" : "RANK/WORLD_SIZE variables");
    }
    if (env.isSet(OMPI_COMM_WORLD_RANK)) {
      return world(
          host,
          port,
          env.getInt(OMPI_COMM_WORLD_RANK, 0),
          env.getInt(OMPI_COMM_WORLD_SIZE, 1),
          env.getInt(OMPI_COMM_WORLD_LOCAL_RANK, 0),
          true,
          generation,
          "Open MPI");
    }
    if (env.isSet(SLURM_PROCID) && env.isSet(SLURM_NTASKS)) {
      return world(
          host,
          port,
          env.getInt(SLURM_PROCID, 0),
          env.getInt(SLURM_NTASKS, 1),
          env.getInt(SLURM_LOCALID, 0),
          true,
          generation,
          "Slurm");
    }
    throw new IllegalArgumentException(
        "cannot tell this worker's rank and world size: start it "
            + "with cohort train --nproc N, under mpirun or srun, or set RANK, WORLD_SIZE, MASTER_ADDR "
            + "and MASTER_PORT");
  }

  private static TrainWorker.World world(
      String host,
      int port,
      int rank,
      int size,
      int local,
      boolean hostStore,
      long generation,
      String source) {
    if (size < 1 || rank < 0 || rank >= size) {
      throw new IllegalArgumentException(
          source + " says rank " + rank + " of world size " + size + ", which is impossible");
    }
    return new TrainWorker.World(host, port, rank, size, local, hostStore, generation, source);
  }
}
