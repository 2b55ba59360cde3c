package dev.cohort.lab.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Single-thread memory copy bandwidth, the ceiling for any shared-memory collective on one host:
 * copies between two 64 MiB direct buffers (far larger than any cache) and reports the median.
 */
final class MemcpyProbe {
  private static final int BYTES = 64 << 20;

  private MemcpyProbe() {}

  /** Bytes copied per second, in GB/s (1e9). */
  static double measure(int repetitions) {
    ByteBuffer a = ByteBuffer.allocateDirect(BYTES);
    ByteBuffer b = ByteBuffer.allocateDirect(BYTES);
    for (int i = 0; i < BYTES; i += 4096) {
      a.put(i, (byte) i);
      b.put(i, (byte) 0);
    }
    List<Double> rates = new ArrayList<>();
    for (int r = 0; r < repetitions + 2; r++) {
      long t0 = System.nanoTime();
      b.clear().put(a.clear());
      double s = (System.nanoTime() - t0) / 1e9;
      if (r >= 2) { // the first copies warm up the code and page tables
        rates.add(BYTES / s / 1e9);
      }
    }
    return BenchMath.median(rates);
  }
}
