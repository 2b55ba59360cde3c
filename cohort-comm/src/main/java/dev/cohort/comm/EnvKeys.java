package dev.cohort.comm;

/**
 * Every environment variable Cohort reads, in one place. Each key is read in exactly one place
 * through {@link Env} (where a {@code -D} system property of the same name wins): the {@code
 * COHORT_*} communication keys by {@link CommConfig#fromEnvironment()}, the secret by {@link
 * Secrets}, the world keys (who am I, where is the store) by {@link World#fromEnvironment()}, and
 * the launcher's process id by {@link LauncherWatch}.
 */
public final class EnvKeys {
  private EnvKeys() {}

  // Communication: see CommConfig for meaning, defaults and units.

  /** The shared secret every connection proves, as text. */
  public static final String COHORT_SECRET = "COHORT_SECRET";

  /** A file holding the shared secret, read when COHORT_SECRET is not set. */
  public static final String COHORT_SECRET_FILE = "COHORT_SECRET_FILE";

  /** Bound on every blocking call, in milliseconds. */
  public static final String COHORT_TIMEOUT_MS = "COHORT_TIMEOUT_MS";

  /** Interface the data listener binds. */
  public static final String COHORT_BIND_ADDR = "COHORT_BIND_ADDR";

  /** Address peers are told to dial. */
  public static final String COHORT_ADVERTISE_ADDR = "COHORT_ADVERTISE_ADDR";

  /** Data ports to try: {@code PORT} or {@code MIN-MAX}. */
  public static final String COHORT_PORT_RANGE = "COHORT_PORT_RANGE";

  /** Transport between ranks of one host: auto, shm or tcp. */
  public static final String COHORT_TRANSPORT = "COHORT_TRANSPORT";

  /**
   * Encryption of TCP traffic after the handshake: auto (the default: when the bind address, or the
   * store's address, is not loopback), on or off. See {@link Encryption}.
   */
  public static final String COHORT_ENCRYPTION = "COHORT_ENCRYPTION";

  /** All-reduce algorithm: see {@link AllReduceAlgorithm#configName()}. */
  public static final String COHORT_ALLREDUCE_ALGO = "COHORT_ALLREDUCE_ALGO";

  /** All-reduces at or below this many bytes use recursive doubling. */
  public static final String COHORT_SMALL_MESSAGE_BYTES = "COHORT_SMALL_MESSAGE_BYTES";

  /** Capacity of each shared-memory ring, in bytes. */
  public static final String COHORT_SHM_RING_BYTES = "COHORT_SHM_RING_BYTES";

  /** Directory for shared-memory files. */
  public static final String COHORT_SHM_DIR = "COHORT_SHM_DIR";

  /** SO_SNDBUF and SO_RCVBUF of data sockets, in bytes. */
  public static final String COHORT_SOCKET_BUFFER_BYTES = "COHORT_SOCKET_BUFFER_BYTES";

  /**
   * true (the default): a world of several hosts with several ranks on some host all-reduces
   * hierarchically; false: flat, every rank in one ring or tree.
   */
  public static final String COHORT_HIERARCHICAL = "COHORT_HIERARCHICAL";

  /** true: verify before each collective that all ranks issue the same call. */
  public static final String COHORT_CHECK_COLLECTIVES = "COHORT_CHECK_COLLECTIVES";

  /** Bound on control frames (store values, handshake), in bytes. */
  public static final String COHORT_MAX_FRAME_BYTES = "COHORT_MAX_FRAME_BYTES";

  // The world: read by World to learn this process's rank and where the store is.

  /** Rendezvous generation; a restarted world uses a higher one. */
  public static final String COHORT_GENERATION = "COHORT_GENERATION";

  /**
   * "1" when the launcher ({@code cohort run}, {@code cohort train}) hosts the store itself, so
   * rank 0 must not.
   */
  public static final String COHORT_LAUNCHER_STORE = "COHORT_LAUNCHER_STORE";

  /**
   * The run folder {@code cohort run} gives its processes (an absolute path, the same for every
   * rank and every restart): where a program keeps its checkpoints so that a restarted world can
   * resume from them. Read with {@link Cohort#runDir()}.
   */
  public static final String COHORT_RUN_DIR = "COHORT_RUN_DIR";

  /**
   * How many times {@code cohort run} has restarted the world before this start: 0 on the first
   * start, 1 after the first failure, and so on. Read with {@link Cohort#restartCount()}.
   */
  public static final String COHORT_RESTART_COUNT = "COHORT_RESTART_COUNT";

  /**
   * The process id of the launcher ({@code cohort train}, {@code cohort run}) that started this
   * process: {@link Cohort#init()} and {@code cohort worker} watch it and exit with status 129 when
   * it is gone ({@link LauncherWatch}), so that no process outlives a launcher killed with SIGKILL.
   */
  public static final String COHORT_LAUNCHER_PID = "COHORT_LAUNCHER_PID";

  /** torchrun-style rank of this worker. */
  public static final String RANK = "RANK";

  /** torchrun-style number of workers. */
  public static final String WORLD_SIZE = "WORLD_SIZE";

  /** torchrun-style rank of this worker on its host. */
  public static final String LOCAL_RANK = "LOCAL_RANK";

  /** Host of the rendezvous store. */
  public static final String MASTER_ADDR = "MASTER_ADDR";

  /** Port of the rendezvous store. */
  public static final String MASTER_PORT = "MASTER_PORT";

  /** Open MPI's rank of this process. */
  public static final String OMPI_COMM_WORLD_RANK = "OMPI_COMM_WORLD_RANK";

  /** Open MPI's number of processes. */
  public static final String OMPI_COMM_WORLD_SIZE = "OMPI_COMM_WORLD_SIZE";

  /** Open MPI's rank of this process on its host. */
  public static final String OMPI_COMM_WORLD_LOCAL_RANK = "OMPI_COMM_WORLD_LOCAL_RANK";

  /** Slurm's rank of this task. */
  public static final String SLURM_PROCID = "SLURM_PROCID";

  /** Slurm's number of tasks. */
  public static final String SLURM_NTASKS = "SLURM_NTASKS";

  /** Slurm's rank of this task on its node. */
  public static final String SLURM_LOCALID = "SLURM_LOCALID";

  /**
   * The job this process belongs to, which names its keys on a shared store ({@code cohort store}):
   * 1-64 characters of A-Z a-z 0-9 . _ : -. Unset: torchrun's {@value #TORCHELASTIC_RUN_ID}, else
   * Slurm's job and step, else "default". Every rank of a job must agree; unrelated jobs on one
   * store must differ.
   */
  public static final String COHORT_JOB_ID = "COHORT_JOB_ID";

  /** torchrun's id of a run, shared by its workers. */
  public static final String TORCHELASTIC_RUN_ID = "TORCHELASTIC_RUN_ID";

  /** Slurm's job id. */
  public static final String SLURM_JOB_ID = "SLURM_JOB_ID";

  /** Slurm's step id within the job. */
  public static final String SLURM_STEP_ID = "SLURM_STEP_ID";

  /** Store host when MASTER_ADDR is not set. */
  public static final String DEFAULT_MASTER_ADDR = "127.0.0.1";

  /** Store port when MASTER_PORT is not set. */
  public static final int DEFAULT_MASTER_PORT = 29500;
}
