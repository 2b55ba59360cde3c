package dev.cohort.lab.model;

import dev.cohort.comm.AllReduceAlgorithm;
import dev.cohort.comm.CommConfig;
import java.util.List;

/**
 * The data-parallel step over an emulated link for each way of synchronizing gradients: the local
 * work (data, forward and backward, optimizer, the rest) as the float32 run measured it, plus the
 * way's own work on the values (rounding, factors, selection, calibrated on one worker), plus its
 * collectives over the links. Workers sit {@code perHost} to an emulated host, consecutive ranks
 * together; ranks of a host talk over shared memory ({@code shm}); a host's ranks share its link
 * ({@code link}: the emulated latency and rate over the measured path), so bytes that several of
 * them send across at once queue on it.
 *
 * <p>A collective's cost: for each of its rounds, the slowest pair's latency plus the bytes its
 * busiest link carries. Flat all-reduces follow Cohort's choice of algorithm; the hierarchical one
 * is a shared-memory all-reduce, the leaders' all-reduce over the link, and a shared-memory
 * broadcast.
 *
 * @param hosts emulated hosts
 * @param perHost workers per host
 * @param link the path between hosts
 * @param shm the path between workers of one host
 */
public record SyncStepModel(int hosts, int perHost, NetworkModel link, NetworkModel shm) {

  /** One collective of a step: what it is and the bytes of its tensor. */
  public record Collective(Kind kind, double bytes) {}

  /** The collectives the ways of synchronizing use. */
  public enum Kind {
    /** Flat, with the algorithm Cohort's selector picks. */
    ALL_REDUCE,
    /** Within each host, among the hosts' leaders, back from the leader. */
    HIERARCHICAL_ALL_REDUCE,
    /** Pairwise: n - 1 rounds, each rank sending bytes / n to one other. */
    ALL_TO_ALL,
    /** Ring: n - 1 rounds, each rank passing on bytes / n. */
    ALL_GATHER
  }

  public SyncStepModel {
    if (hosts < 1 || perHost < 1) {
      throw new IllegalArgumentException("hosts and workers per host must be >= 1");
    }
  }

  private int workers() {
    return hosts * perHost;
  }

  /**
   * Predicted seconds per step.
   *
   * @param localSeconds the step's work apart from communication (measured)
   * @param hookSeconds the way's own work on the values per step (calibrated)
   * @param collectives what a synchronization runs
   * @param every steps per synchronization (local SGD's H; 1 otherwise)
   */
  public double stepSeconds(
      double localSeconds, double hookSeconds, List<Collective> collectives, int every) {
    double comm = 0;
    for (Collective c : collectives) {
      comm += seconds(c);
    }
    return localSeconds + hookSeconds + comm / every;
  }

  /** One collective's seconds. */
  public double seconds(Collective c) {
    int n = workers();
    if (n == 1) {
      return 0;
    }
    return switch (c.kind()) {
      case ALL_REDUCE -> flatAllReduce(c.bytes());
      case HIERARCHICAL_ALL_REDUCE ->
          hosts == 1 || perHost == 1
              ? flatAllReduce(c.bytes())
              : shm.allReduceSeconds(algorithm(perHost, c.bytes()), perHost, c.bytes())
                  + new SyncStepModel(hosts, 1, link, shm).flatAllReduce(c.bytes())
                  + shmRound(c.bytes()); // the zero-copy broadcast: one copy out of the leader's
      // Each round, one rank per host sends a slice across (pairwise and ring alike).
      case ALL_TO_ALL, ALL_GATHER -> (n - 1) * round(c.bytes() / n, 1);
    };
  }

  /** The flat all-reduce, with the algorithm Cohort picks, rounds crossing hosts on the link. */
  private double flatAllReduce(double bytes) {
    int n = workers();
    String algorithm = algorithm(n, bytes);
    if (perHost == 1) {
      return link.allReduceSeconds(algorithm, n, bytes);
    }
    double seconds = 0;
    switch (algorithm) {
      case "ring" -> {
        // 2(n - 1) steps of bytes / n; one rank per host sends across each step.
        seconds = 2 * (n - 1) * round(bytes / n, 1) + link.gammaSecondsPerByte() * bytes;
      }
      case "halving-doubling" -> {
        // Halving at distance n/2, n/4, ..., 1, then doubling back: a round at distance d sends
        // bytes / 2^k; it crosses hosts when d >= perHost, every rank of a host at once.
        double size = bytes / 2;
        for (int d = n / 2; d >= 1; d /= 2, size /= 2) {
          seconds += 2 * (d >= perHost ? round(size, perHost) : shmRound(size));
        }
        seconds += link.gammaSecondsPerByte() * bytes;
      }
      default -> {
        // Recursive doubling: the whole vector each round.
        for (int d = n / 2; d >= 1; d /= 2) {
          seconds += d >= perHost ? round(bytes, perHost) : shmRound(bytes);
        }
      }
    }
    return seconds;
  }

  /** A round across hosts: latency, and {@code senders} slices of {@code bytes} on the link. */
  private double round(double bytes, int senders) {
    return link.alphaSeconds() + senders * bytes * link.betaSecondsPerByte();
  }

  private double shmRound(double bytes) {
    return shm.alphaSeconds() + bytes * shm.betaSecondsPerByte();
  }

  private static String algorithm(int n, double bytes) {
    return AllReduceAlgorithm.AUTO
        .resolve((long) bytes, n, CommConfig.DEFAULT_SMALL_MESSAGE_BYTES)
        .configName();
  }
}
