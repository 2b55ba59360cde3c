package dev.cohort.launch.spawn;

import dev.cohort.comm.EnvKeys;
import dev.cohort.comm.store.StoreServer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every rank of a world is told through its environment: where the store is, the world size,
 * the rendezvous generation and the shared secret. These are the torchrun-style variables (RANK,
 * WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) plus Cohort's own.
 *
 * @param storeHost host of the rendezvous store
 * @param storePort its port
 * @param size world size
 * @param generation rendezvous generation (a restarted world uses a higher one)
 * @param secret the shared secret every connection proves
 * @param launcherHostsStore true when the launcher runs the store (otherwise rank 0 hosts it)
 */
public record WorldAddress(
    String storeHost,
    int storePort,
    int size,
    long generation,
    String secret,
    boolean launcherHostsStore) {

  public WorldAddress {
    if (size < 1) {
      throw new IllegalArgumentException("world size must be >= 1, got " + size);
    }
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("a world needs a secret (see Secrets.generate())");
    }
  }

  /** The environment of {@code rank}; all ranks run on this host, so the local rank is the rank. */
  public Map<String, String> environment(int rank) {
    if (rank < 0 || rank >= size) {
      throw new IllegalArgumentException("rank " + rank + " is outside world size " + size);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put(EnvKeys.RANK, Integer.toString(rank));
    env.put(EnvKeys.LOCAL_RANK, Integer.toString(rank));
    env.put(EnvKeys.WORLD_SIZE, Integer.toString(size));
    env.put(EnvKeys.MASTER_ADDR, storeHost);
    env.put(EnvKeys.MASTER_PORT, Integer.toString(storePort));
    env.put(EnvKeys.COHORT_SECRET, secret);
    env.put(EnvKeys.COHORT_GENERATION, Long.toString(generation));
    // The store is this world's own: its keys live in the default job, where the launcher looks
    // for heartbeats, whatever job a scheduler's variables would name.
    env.put(EnvKeys.COHORT_JOB_ID, StoreServer.DEFAULT_JOB);
    if (launcherHostsStore) {
      // The launcher hosts the store itself, so rank 0 must not start another.
      env.put(EnvKeys.COHORT_LAUNCHER_STORE, "1");
    }
    return env;
  }
}
