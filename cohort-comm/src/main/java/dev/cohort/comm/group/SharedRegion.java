package dev.cohort.comm.group;

import dev.cohort.comm.ProcessGroup;
import java.nio.ByteBuffer;

/**
 * One block of shared memory made by {@link ProcessGroup#allocate}, as every rank of the group maps
 * it: {@code byRank[r]} is rank r's buffer, mapped into this process. Collectives on tensors in
 * such a region read and write the peers' memory directly.
 *
 * @param group the group that made it; collectives of another group ignore it
 * @param slot the allocation's number in that group, the same on every rank
 * @param byRank every rank's buffer, this rank's own included
 * @param rank this process's rank
 */
public record SharedRegion(ProcessGroup group, int slot, ByteBuffer[] byRank, int rank) {

  public ByteBuffer local() {
    return byRank[rank];
  }
}
