package dev.cohort.lab.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The nccl-tests definitions of algorithm and bus bandwidth, and medians. */
public final class BenchMath {
  private BenchMath() {}

  /**
   * One result row. algbw = bytes / time; busbw = algbw * 2(n-1)/n, the per-link traffic of an
   * optimal all-reduce, comparable across process counts and with hardware limits.
   */
  public static Map<String, Object> row(long bytes, double seconds, int np, int iterations) {
    Map<String, Object> r = new LinkedHashMap<>();
    double algbw = bytes / seconds / 1e9;
    r.put("bytes", bytes);
    r.put("latency_us", seconds * 1e6);
    r.put("algbw_GBps", algbw);
    r.put("busbw_GBps", algbw * 2.0 * (np - 1) / np);
    r.put("iterations", iterations);
    return r;
  }

  public static double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  }
}
