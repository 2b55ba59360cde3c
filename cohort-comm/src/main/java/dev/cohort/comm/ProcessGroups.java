package dev.cohort.comm;

import dev.cohort.comm.group.DefaultProcessGroup;
import dev.cohort.comm.group.Rendezvous;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;

/**
 * Entry points: form a world and get its process group.
 *
 * <pre>{@code
 * CommConfig cfg = CommConfig.fromEnvironment();
 * try (ProcessGroup pg = ProcessGroups.init(cfg, new ProcessGroups.Init("127.0.0.1", 29500, rank, 4, 0, true))) {
 *   pg.allReduce(gradients, ReduceOp.AVG);
 * }
 * }</pre>
 */
public final class ProcessGroups {
  private ProcessGroups() {}

  /**
   * Where the store is and who this process is.
   *
   * @param storeHost host of the store
   * @param storePort its port
   * @param rank this process's rank
   * @param size world size
   * @param generation rendezvous generation (0 for a fresh run; a restarted world uses a higher
   *     one)
   * @param hostStore whether rank 0 starts the store itself (otherwise {@code cohort store} runs
   *     it)
   * @param job the job whose keys this world uses on the store ({@link EnvKeys#COHORT_JOB_ID})
   */
  public record Init(
      String storeHost,
      int storePort,
      int rank,
      int size,
      long generation,
      boolean hostStore,
      String job) {

    /** In the {@link StoreServer#DEFAULT_JOB}. */
    public Init(
        String storeHost, int storePort, int rank, int size, long generation, boolean hostStore) {
      this(storeHost, storePort, rank, size, generation, hostStore, StoreServer.DEFAULT_JOB);
    }
  }

  /**
   * Connects to (or on rank 0, starts) the store, forms the world and connects the mesh. The
   * returned group owns the store connection, and the server when it started one.
   */
  public static ProcessGroup init(CommConfig cfg, Init init) {
    StoreServer server = null;
    TcpStore client = null;
    try {
      if (init.hostStore() && init.rank() == 0) {
        server =
            StoreServer.on(init.storeHost(), init.storePort())
                .secret(cfg.secret())
                .maxFrameBytes(cfg.maxFrameBytes())
                .encryption(cfg.encryption())
                .start();
      }
      client =
          TcpStore.to(init.storeHost(), server != null ? server.port() : init.storePort())
              .secret(cfg.secret())
              .timeout(cfg.timeout())
              .maxFrameBytes(cfg.maxFrameBytes())
              .encryption(cfg.encryption())
              .job(init.job())
              .connect();
      DefaultProcessGroup pg = form(cfg, client, init.rank(), init.size(), init.generation());
      pg.own(client);
      if (server != null) {
        pg.own(server);
      }
      return pg;
    } catch (RuntimeException e) {
      if (client != null) {
        client.close();
      }
      if (server != null) {
        server.close();
      }
      throw e;
    }
  }

  /** Forms the world through an existing store; the caller keeps ownership of the store. */
  public static ProcessGroup join(
      CommConfig cfg, Store store, int rank, int size, long generation) {
    return form(cfg, store, rank, size, generation);
  }

  private static DefaultProcessGroup form(
      CommConfig cfg, Store store, int rank, int size, long generation) {
    Store world = Rendezvous.join(store, rank, size, generation, cfg.timeout());
    return DefaultProcessGroup.connect(cfg, world, rank, size);
  }
}
