package dev.cohort.comm;

import static dev.cohort.comm.EnvKeys.COHORT_GENERATION;
import static dev.cohort.comm.EnvKeys.COHORT_JOB_ID;
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
import static dev.cohort.comm.EnvKeys.SLURM_JOB_ID;
import static dev.cohort.comm.EnvKeys.SLURM_LOCALID;
import static dev.cohort.comm.EnvKeys.SLURM_NTASKS;
import static dev.cohort.comm.EnvKeys.SLURM_PROCID;
import static dev.cohort.comm.EnvKeys.SLURM_STEP_ID;
import static dev.cohort.comm.EnvKeys.TORCHELASTIC_RUN_ID;
import static dev.cohort.comm.EnvKeys.WORLD_SIZE;

import dev.cohort.comm.store.StoreServer;
import java.util.Map;

/**
 * Who this process is and where the rendezvous store is, as whatever started it says: Cohort's own
 * launcher ({@code cohort run}, {@code cohort train}) and torchrun-style variables (RANK,
 * WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), Open MPI's mpirun (OMPI_COMM_WORLD_*), or
 * Slurm's srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID), tried in that order. Under mpirun and
 * srun nobody else runs a store, so rank 0 hosts it at MASTER_ADDR:MASTER_PORT (default
 * 127.0.0.1:29500). Keys are the constants of {@link EnvKeys}; {@link Cohort#init()} joins the
 * world this describes.
 *
 * @param storeHost host of the rendezvous store
 * @param storePort its port
 * @param rank this process's rank, 0 to size - 1
 * @param size world size, at least 1
 * @param localRank this process's rank among those on its host
 * @param hostStore whether rank 0 starts the store itself (false when a launcher hosts it)
 * @param generation rendezvous generation (a restarted world uses a higher one)
 * @param source where this came from, e.g. "cohort launcher", "Open MPI", "Slurm"
 * @param job the job whose keys this world uses on its store ({@link EnvKeys#COHORT_JOB_ID})
 */
public record World(
    String storeHost,
    int storePort,
    int rank,
    int size,
    int localRank,
    boolean hostStore,
    long generation,
    String source,
    String job) {

  /** A world in the {@link StoreServer#DEFAULT_JOB}. */
  public World(
      String storeHost,
      int storePort,
      int rank,
      int size,
      int localRank,
      boolean hostStore,
      long generation,
      String source) {
    this(
        storeHost,
        storePort,
        rank,
        size,
        localRank,
        hostStore,
        generation,
        source,
        StoreServer.DEFAULT_JOB);
  }

  private static final int MAX_PORT = 65535;

  /**
   * The world of this process: its environment variables, where a {@code -D} system property of the
   * same name wins (as everywhere in {@link Env}).
   *
   * @throws IllegalArgumentException one line naming the variables to set when nothing fits, or the
   *     variable that does not parse
   */
  public static World fromEnvironment() {
    return detect(Env.system());
  }

  /**
   * The world the given variables describe.
   *
   * @throws IllegalArgumentException one line naming the variables to set when nothing fits, or the
   *     variable that does not parse
   */
  public static World detect(Map<String, String> environment) {
    return detect(Env.of(environment));
  }

  /**
   * True if a launcher left a world in the environment: RANK and WORLD_SIZE, Open MPI's or Slurm's
   * variables.
   */
  static boolean launched(Env env) {
    return (env.isSet(RANK) && env.isSet(WORLD_SIZE))
        || env.isSet(OMPI_COMM_WORLD_RANK)
        || (env.isSet(SLURM_PROCID) && env.isSet(SLURM_NTASKS));
  }

  /** A world of one process that hosts its own store on a free loopback port. */
  static World single() {
    return new World(
        DEFAULT_MASTER_ADDR, 0, 0, 1, 0, true, 0, "a single process (no launcher variables)");
  }

  static World detect(Env env) {
    World w = detectRanks(env);
    return new World(
        w.storeHost,
        w.storePort,
        w.rank,
        w.size,
        w.localRank,
        w.hostStore,
        w.generation,
        w.source,
        job(env));
  }

  /** The job id: COHORT_JOB_ID, torchrun's run id, Slurm's job and step, else the default. */
  static String job(Env env) {
    if (env.isSet(COHORT_JOB_ID)) {
      return env.getString(COHORT_JOB_ID, StoreServer.DEFAULT_JOB);
    }
    if (env.isSet(TORCHELASTIC_RUN_ID)) {
      return env.getString(TORCHELASTIC_RUN_ID, StoreServer.DEFAULT_JOB);
    }
    if (env.isSet(SLURM_JOB_ID)) {
      return "slurm-"
          + env.getString(SLURM_JOB_ID, "")
          + env.get(SLURM_STEP_ID).map(s -> "." + s).orElse("");
    }
    return StoreServer.DEFAULT_JOB;
  }

  private static World detectRanks(Env env) {
    String host = env.getString(MASTER_ADDR, DEFAULT_MASTER_ADDR);
    int port = env.getInt(MASTER_PORT, DEFAULT_MASTER_PORT);
    if (port < 0 || port > MAX_PORT) {
      throw new IllegalArgumentException(
          MASTER_PORT + " must be a port from 0 to " + MAX_PORT + ", got " + port);
    }
    long generation = env.getLong(COHORT_GENERATION, 0);
    if (env.isSet(RANK) && env.isSet(WORLD_SIZE)) {
      boolean launcher = "1".equals(env.get(COHORT_LAUNCHER_STORE).orElse(""));
      return checked(
          host,
          port,
          env.getInt(RANK, 0),
          env.getInt(WORLD_SIZE, 1),
          env.getInt(LOCAL_RANK, 0),
          !launcher,
          generation,
          launcher ? "cohort launcher" : "RANK/WORLD_SIZE variables");
    }
    if (env.isSet(OMPI_COMM_WORLD_RANK)) {
      return checked(
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
      return checked(
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
        "cannot tell this worker's rank and world size: start it with cohort run or "
            + "cohort train --nproc N, under mpirun or srun, or set RANK, WORLD_SIZE, MASTER_ADDR "
            + "and MASTER_PORT");
  }

  private static World checked(
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
    return new World(host, port, rank, size, local, hostStore, generation, source);
  }

  /** What {@link ProcessGroups#init} needs to join this world. */
  public ProcessGroups.Init toInit() {
    return new ProcessGroups.Init(storeHost, storePort, rank, size, generation, hostStore, job);
  }
}
