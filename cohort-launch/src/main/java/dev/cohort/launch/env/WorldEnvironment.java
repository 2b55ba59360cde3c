package dev.cohort.launch.env;

import dev.cohort.launch.spawn.WorldAddress;
import dev.cohort.train.TrainWorker;
import java.util.Map;

/**
 * Works out who this worker is from the environment its launcher left: Cohort's own launcher and
 * torchrun-style variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), Open MPI's
 * mpirun (OMPI_COMM_WORLD_*), or Slurm's srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID).
 * Under mpirun and srun nobody else runs a store, so rank 0 hosts it at MASTER_ADDR:MASTER_PORT
 * (default 127.0.0.1:29500).
 */
public final class WorldEnvironment {
  private WorldEnvironment() {}

  /** @throws IllegalArgumentException naming the variables to set when nothing fits */
  public static TrainWorker.World detect(Map<String, String> env) {
    String host = env.getOrDefault("MASTER_ADDR", "127.0.0.1");
    int port = integer(env, "MASTER_PORT", 29500);
    long generation = integer(env, "COHORT_GENERATION", 0);
    if (env.containsKey("RANK") && env.containsKey("WORLD_SIZE")) {
      boolean launcher = "1".equals(env.get(WorldAddress.LAUNCHER_STORE));
      return world(host, port, integer(env, "RANK", 0), integer(env, "WORLD_SIZE", 1),
          integer(env, "LOCAL_RANK", 0), !launcher, generation,
          launcher ? "cohort train" : "RANK/WORLD_SIZE variables");
    }
    if (env.containsKey("OMPI_COMM_WORLD_RANK")) {
      return world(host, port, integer(env, "OMPI_COMM_WORLD_RANK", 0),
          integer(env, "OMPI_COMM_WORLD_SIZE", 1), integer(env, "OMPI_COMM_WORLD_LOCAL_RANK", 0),
          true, generation, "Open MPI");
    }
    if (env.containsKey("SLURM_PROCID") && env.containsKey("SLURM_NTASKS")) {
      return world(host, port, integer(env, "SLURM_PROCID", 0), integer(env, "SLURM_NTASKS", 1),
          integer(env, "SLURM_LOCALID", 0), true, generation, "Slurm");
    }
    throw new IllegalArgumentException("cannot tell this worker's rank and world size: start it "
        + "with cohort train --nproc N, under mpirun or srun, or set RANK, WORLD_SIZE, MASTER_ADDR "
        + "and MASTER_PORT");
  }

  private static TrainWorker.World world(String host, int port, int rank, int size, int local,
      boolean hostStore, long generation, String source) {
    if (size < 1 || rank < 0 || rank >= size) {
      throw new IllegalArgumentException(source + " says rank " + rank + " of world size " + size
          + ", which is impossible");
    }
    return new TrainWorker.World(host, port, rank, size, local, hostStore, generation, source);
  }

  private static int integer(Map<String, String> env, String key, int d) {
    String v = env.get(key);
    if (v == null || v.isBlank()) {
      return d;
    }
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
  }
}
