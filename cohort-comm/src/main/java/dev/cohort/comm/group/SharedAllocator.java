package dev.cohort.comm.group;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.Store;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.transport.shm.SharedArena;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Makes the shared tensors of {@link ProcessGroup#allocate} for a single-host group: each rank
 * creates a file (0600, in its private 0700 folder), publishes its path in the store, maps every
 * peer's file once {@link SharedArena#open} has checked that it is such a file of this user, and
 * after a barrier unlinks its own, so nothing outlives the processes.
 */
final class SharedAllocator {
  private final ProcessGroup group;
  private final Store store;
  private final CommConfig config;
  private int nextSlot;

  SharedAllocator(ProcessGroup group, Store store, CommConfig config) {
    this.group = group;
    this.store = store;
    this.config = config;
  }

  /** Collective; see {@link ProcessGroup#allocate}. */
  Tensor allocate(DataType type, int count) {
    long bytes = (long) count * type.bytes();
    if (count < 0 || bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "cannot allocate " + count + " x " + type + ": a tensor holds at most 2 GiB");
    }
    int slot;
    synchronized (this) {
      slot = nextSlot++;
    }
    long mapped = Math.max(8, bytes);
    int rank = group.rank();
    SharedArena.Mapping mine = SharedArena.create(config.shmDirectory(), slot, mapped);
    try {
      ByteBuffer[] byRank = new ByteBuffer[group.size()];
      byRank[rank] = mine.buffer();
      store.set(key(slot, rank), mine.path().toString().getBytes(UTF_8));
      for (int r = 0; r < group.size(); r++) {
        if (r != rank) {
          String path = new String(store.get(key(slot, r), config.timeout()), UTF_8);
          byRank[r] = SharedArena.open(config.shmDirectory(), Path.of(path), mapped, "rank " + r);
        }
      }
      group.barrier(); // every rank has mapped every file: the names can go
      return TensorAccess.shared(new SharedRegion(group, slot, byRank, rank), type, count);
    } finally {
      SharedArena.unlink(mine.path());
    }
  }

  private static String key(int slot, int rank) {
    return "shared/" + slot + "/" + rank;
  }
}
