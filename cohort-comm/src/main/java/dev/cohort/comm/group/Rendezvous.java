package dev.cohort.comm.group;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.Store;
import dev.cohort.comm.WorldFormationException;
import dev.cohort.comm.store.PrefixStore;
import java.io.IOException;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * World formation through the store: every rank claims its rank number, all agree on the world size
 * and generation, and all wait until every rank has arrived.
 *
 * <p>The generation separates a restarted world from the old one: all keys of generation g live
 * under {@code g<g>/}, the store remembers the newest generation, and a process that tries to join
 * an older one (a straggler from before a restart) is refused.
 */
public final class Rendezvous {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Rendezvous() {}

  /**
   * Joins generation {@code generation} as {@code rank} of {@code size}.
   *
   * @return a view of the store private to this generation
   * @throws WorldFormationException on a duplicate rank, a size mismatch or a stale generation
   * @throws CommTimeoutException naming the ranks that did not arrive in time
   */
  public static Store join(Store store, int rank, int size, long generation, Duration timeout) {
    if (size < 1) {
      throw new IllegalArgumentException("world size must be >= 1, got " + size);
    }
    if (rank < 0 || rank >= size) {
      throw new IllegalArgumentException("rank must be in [0, " + size + "), got " + rank);
    }
    claimGeneration(store, generation, rank);
    Store g = new PrefixStore(store, "g" + generation);
    byte[] sizeBytes = Integer.toString(size).getBytes(UTF_8);
    byte[] agreed = g.compareAndSet("world_size", null, sizeBytes);
    if (!Arrays.equals(agreed, sizeBytes)) {
      throw new WorldFormationException(
          "rank "
              + rank
              + " was started with world size "
              + size
              + " but generation "
              + generation
              + " already has world size "
              + new String(agreed, UTF_8)
              + ": every rank must get the same WORLD_SIZE");
    }
    byte[] token =
        (ProcessHandle.current().pid() + "@" + hostName() + "#" + HexFormat.of().formatHex(nonce()))
            .getBytes(UTF_8);
    byte[] owner = g.compareAndSet("rank/" + rank, null, token);
    if (!Arrays.equals(owner, token)) {
      throw new WorldFormationException(
          "rank "
              + rank
              + " is already taken in generation "
              + generation
              + " by process "
              + new String(owner, UTF_8).split("#")[0]
              + ": two processes were given the same RANK");
    }
    List<String> keys = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      keys.add("rank/" + r);
    }
    try {
      g.waitFor(keys, timeout);
    } catch (CommTimeoutException e) {
      List<Integer> missing = new ArrayList<>();
      for (int r = 0; r < size; r++) {
        if (g.tryGet("rank/" + r).isEmpty()) {
          missing.add(r);
        }
      }
      throw new CommTimeoutException(
          "rank "
              + rank
              + ": ranks "
              + missing
              + " of "
              + size
              + " did not join generation "
              + generation
              + " within "
              + timeout.toMillis()
              + " ms",
          e);
    }
    return g;
  }

  private static void claimGeneration(Store store, long generation, int rank) {
    byte[] mine = Long.toString(generation).getBytes(UTF_8);
    byte[] current = store.tryGet("generation").orElse(null);
    while (true) {
      if (current != null) {
        long cur = Long.parseLong(new String(current, UTF_8));
        if (cur > generation) {
          throw new WorldFormationException(
              "rank "
                  + rank
                  + " tried to join generation "
                  + generation
                  + " but the world has moved on to generation "
                  + cur
                  + ": this process belongs to a run that was restarted");
        }
        if (cur == generation) {
          return;
        }
      }
      byte[] after = store.compareAndSet("generation", current, mine);
      if (Arrays.equals(after, mine)) {
        return;
      }
      current = after;
    }
  }

  private static byte[] nonce() {
    byte[] b = new byte[6];
    RANDOM.nextBytes(b);
    return b;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
