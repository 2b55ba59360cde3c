package dev.cohort.lab.model;

import dev.cohort.comm.AllReduceAlgorithm;

/**
 * The α-β(-γ) cost of moving and reducing bytes between workers.
 *
 * @param alphaSeconds per-message latency (α)
 * @param betaSecondsPerByte inverse bandwidth of one link (β)
 * @param gammaSecondsPerByte cost of reducing one byte on one worker (γ)
 */
public record NetworkModel(
    double alphaSeconds, double betaSecondsPerByte, double gammaSecondsPerByte) {

  public NetworkModel {
    if (alphaSeconds < 0 || betaSecondsPerByte < 0 || gammaSecondsPerByte < 0) {
      throw new IllegalArgumentException(
          "latency, inverse bandwidth and reduction cost must be >= 0");
    }
  }

  /** A network from latency in microseconds and bandwidth in Gbit/s (0 or less: unlimited). */
  public static NetworkModel of(double latencyMicros, double bandwidthGbps, double reduceGBps) {
    return new NetworkModel(
        latencyMicros * 1e-6,
        bandwidthGbps <= 0 ? 0 : 8 / (bandwidthGbps * 1e9),
        reduceGBps <= 0 ? 0 : 1 / (reduceGBps * 1e9));
  }

  /** Seconds to all-reduce {@code bytes} over {@code n} workers with {@code algorithm}. */
  public double allReduceSeconds(String algorithm, int n, double bytes) {
    if (n <= 1) {
      return 0;
    }
    double logN = Math.ceil(Math.log(n) / Math.log(2));
    double share = (n - 1.0) / n;
    return switch (AllReduceAlgorithm.parse(algorithm)) {
      // Reduce-scatter then all-gather: 2(n-1) messages, each link carries 2(n-1)/n of the data.
      case RING ->
          2 * (n - 1) * alphaSeconds
              + 2 * share * bytes * betaSecondsPerByte
              + share * bytes * gammaSecondsPerByte;
      // Halving then doubling: 2 log n messages, same volume as the ring.
      case HALVING_DOUBLING ->
          2 * logN * alphaSeconds
              + 2 * share * bytes * betaSecondsPerByte
              + share * bytes * gammaSecondsPerByte;
      // Whole vector each of log n rounds.
      case RECURSIVE_DOUBLING ->
          logN * (alphaSeconds + bytes * betaSecondsPerByte + bytes * gammaSecondsPerByte);
      case AUTO -> throw new IllegalArgumentException("unknown algorithm " + algorithm);
    };
  }

  /**
   * This network with a link of {@code bytesPerSecond} (infinity: no limit) and {@code
   * extraLatencySeconds} more per message: the slower of the two bandwidths bounds a transfer, and
   * the latencies add.
   */
  public NetworkModel under(double extraLatencySeconds, double bytesPerSecond) {
    double linkBeta = Double.isInfinite(bytesPerSecond) ? 0 : 1 / bytesPerSecond;
    return new NetworkModel(
        alphaSeconds + extraLatencySeconds,
        Math.max(betaSecondsPerByte, linkBeta),
        gammaSecondsPerByte);
  }

  /** The cheapest algorithm for this message and worker count, and its time. */
  public Choice best(int n, double bytes) {
    Choice best = null;
    for (AllReduceAlgorithm algorithm : AllReduceAlgorithm.schedules()) {
      String a = algorithm.configName();
      double t = allReduceSeconds(a, n, bytes);
      if (best == null || t < best.seconds()) {
        best = new Choice(a, t);
      }
    }
    return best;
  }

  /** An algorithm and its predicted time. */
  public record Choice(String algorithm, double seconds) {}
}
