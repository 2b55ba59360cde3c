package dev.cohort.comm;

import java.util.List;
import java.util.Locale;

/**
 * What a process group has done since it formed, from this rank's side: a snapshot for benchmarks
 * and step breakdowns. Counters only grow; subtract two snapshots to measure a stretch of work.
 *
 * @param waitNanos time this rank's collectives spent stalled, waiting for peers (ns); the rest of
 *     their time is moving and reducing bytes
 * @param bytesSent payload bytes of the messages this rank has sent in full (headers, padding and
 *     zero-copy shared-memory all-reduces excluded)
 * @param bytesReceived payload bytes of the messages this rank has received in full
 * @param transports how this rank reaches each rank of the group, indexed by rank
 */
public record GroupStats(
    long waitNanos, long bytesSent, long bytesReceived, List<Transport> transports) {

  /** How one rank reaches another. */
  public enum Transport {
    /** This rank itself. */
    SELF,
    /** Shared-memory rings: both ranks are on this host. */
    SHM,
    /** A TCP connection. */
    TCP,
    /** A TCP connection whose traffic is encrypted ({@link Encryption}). */
    TCP_ENCRYPTED;

    /** "self", "shm", "tcp" or "tcp+aes", as benchmarks and reports print it. */
    public String label() {
      return this == TCP_ENCRYPTED ? "tcp+aes" : name().toLowerCase(Locale.ROOT);
    }
  }

  public GroupStats {
    transports = List.copyOf(transports);
  }

  /**
   * How this rank reaches {@code rank}.
   *
   * @throws IndexOutOfBoundsException if {@code rank} is not a rank of the group
   */
  public Transport transportTo(int rank) {
    return transports.get(rank);
  }
}
