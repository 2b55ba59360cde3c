package dev.cohort.comm.store;

import dev.cohort.comm.StoreException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The jobs a {@link StoreServer} serves, each its own {@link InMemoryStore}: created when the first
 * client of a job connects, deleted with all its keys once the last one has been gone for {@link
 * StoreLimits#jobLinger()} (checked whenever a client comes or goes). Bounds every job and all of
 * them together by {@link StoreLimits}.
 *
 * <p>Thread-safe.
 */
final class JobSpaces {
  /** Job ids: what launchers and schedulers use (Slurm "1234.0", torchrun run ids). */
  static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private final StoreLimits limits;
  private final Map<String, Space> spaces = new HashMap<>(); // guarded by this
  private final AtomicLong totalBytes = new AtomicLong();
  private boolean closed; // guarded by this

  JobSpaces(StoreLimits limits) {
    this.limits = limits;
  }

  /** One job's keys and the clients connected to it. */
  final class Space implements InMemoryStore.Quota {
    final String job;
    final InMemoryStore data = new InMemoryStore(this);
    private int clients; // guarded by JobSpaces.this
    private long
        idleSince; // System.nanoTime() when the last client left; guarded by JobSpaces.this

    private Space(String job) {
      this.job = job;
    }

    @Override
    public void admit(int keys, long bytes, long bytesDelta) {
      if (keys > limits.keysPerJob()) {
        throw refused("holds " + limits.keysPerJob() + " keys, the most a job may");
      }
      if (bytes > limits.bytesPerJob()) {
        throw refused("would hold " + bytes + " bytes, over the bound of " + limits.bytesPerJob());
      }
      if (bytesDelta > 0 && totalBytes.addAndGet(bytesDelta) > limits.bytesTotal()) {
        totalBytes.addAndGet(-bytesDelta);
        throw refused("cannot grow: all jobs together hold " + limits.bytesTotal() + " bytes");
      }
      if (bytesDelta < 0) {
        totalBytes.addAndGet(bytesDelta);
      }
    }

    private StoreException refused(String why) {
      return new StoreException("job '" + job + "' " + why + " (StoreLimits)");
    }
  }

  /**
   * A new client of {@code job}.
   *
   * @throws StoreException if the id is malformed, or the store serves as many jobs, or the job has
   *     as many clients, as its limits allow
   */
  synchronized Space enter(String job) {
    if (!JOB_ID.matcher(job).matches()) {
      throw new StoreException(
          "job id '" + printable(job) + "' is not 1-64 characters of A-Z a-z 0-9 . _ : -");
    }
    if (closed) {
      throw new StoreException("the store is closing");
    }
    sweep();
    Space s = spaces.get(job);
    if (s == null) {
      if (spaces.size() >= limits.jobs()) {
        throw new StoreException(
            "the store already serves "
                + limits.jobs()
                + " jobs, its limit; job '"
                + job
                + "' must wait for one to end or use another store");
      }
      s = new Space(job);
      spaces.put(job, s);
    }
    if (s.clients >= limits.clientsPerJob()) {
      throw new StoreException(
          "job '" + job + "' already has " + limits.clientsPerJob() + " connections, its limit");
    }
    s.clients++;
    return s;
  }

  /** A client of {@code s} left; the job ends when its last client has been gone long enough. */
  synchronized void leave(Space s) {
    if (--s.clients == 0) {
      s.idleSince = System.nanoTime();
    }
    sweep();
  }

  /** Deletes every job whose last client left at least {@link StoreLimits#jobLinger()} ago. */
  private void sweep() {
    long now = System.nanoTime();
    long linger = limits.jobLinger().toNanos();
    spaces
        .values()
        .removeIf(
            s -> {
              boolean over = s.clients == 0 && now - s.idleSince >= linger;
              if (over) {
                totalBytes.addAndGet(-s.data.bytes());
                s.data.close();
              }
              return over;
            });
  }

  /** A key of {@code job}, if the job is being served and holds it. */
  synchronized Optional<byte[]> peek(String job, String key) {
    Space s = spaces.get(job);
    return s == null ? Optional.empty() : s.data.tryGet(key);
  }

  /** Jobs served now, lingering ones included. */
  synchronized int size() {
    sweep();
    return spaces.size();
  }

  /** Wakes every waiter of every job; no job is entered afterwards. */
  synchronized void close() {
    closed = true;
    spaces.values().forEach(s -> s.data.close());
  }

  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
