package dev.cohort.comm.store;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link StoreServer} lets its clients hold, so that no client with the secret, buggy or
 * hostile, can exhaust it. Every job (a namespace of keys, see {@link StoreServer}) is bounded on
 * its own; the total keeps the server's memory bounded however many jobs come.
 *
 * @param jobs jobs served at once
 * @param clientsPerJob connections of one job at once (each holds at most one waiting request)
 * @param keysPerJob keys one job may hold
 * @param bytesPerJob bytes (keys and values) one job may hold
 * @param bytesTotal bytes all jobs together may hold
 * @param maxWait longest wait one request may ask for
 * @param jobLinger how long a job's keys outlive its last client (a rank that reconnects, a
 *     straggler of an older generation, find them during that time); 0 deletes them at once
 */
public record StoreLimits(
    int jobs,
    int clientsPerJob,
    int keysPerJob,
    long bytesPerJob,
    long bytesTotal,
    Duration maxWait,
    Duration jobLinger) {

  /** Generous for rendezvous (a few keys per rank), small enough for any machine. */
  public static final StoreLimits DEFAULTS =
      new StoreLimits(
          64, 1024, 65_536, 64L << 20, 256L << 20, Duration.ofHours(1), Duration.ofSeconds(60));

  public StoreLimits {
    Objects.requireNonNull(maxWait, "maxWait");
    Objects.requireNonNull(jobLinger, "jobLinger");
    if (jobLinger.isNegative()) {
      throw new IllegalArgumentException("jobLinger must be >= 0, got " + jobLinger);
    }
    if (jobs < 1 || clientsPerJob < 1 || keysPerJob < 1 || bytesPerJob < 1 || bytesTotal < 1) {
      throw new IllegalArgumentException("store limits must be positive: " + this);
    }
    if (maxWait.isNegative() || maxWait.isZero()) {
      throw new IllegalArgumentException("maxWait must be positive, got " + maxWait);
    }
  }
}
