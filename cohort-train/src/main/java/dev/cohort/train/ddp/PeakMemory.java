package dev.cohort.train.ddp;

import dev.cohort.comm.ProcessGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Resident memory of this process (now, and its peak, VmHWM), and the peak of every rank. */
public final class PeakMemory {
  private PeakMemory() {}

  /** Bytes, or -1 where /proc is not available. */
  public static long ofThisProcess() {
    return status("VmHWM:");
  }

  /** Resident memory now (VmRSS), in bytes, or -1 where /proc is not available. */
  public static long residentNow() {
    return status("VmRSS:");
  }

  /** This machine's memory (MemTotal), in bytes, or -1 where /proc is not available. */
  public static long machine() {
    return size(Path.of("/proc/meminfo"), "MemTotal:");
  }

  private static long status(String field) {
    return size(Path.of("/proc/self/status"), field);
  }

  /** A size in kB in a /proc file, in bytes. */
  private static long size(Path file, String field) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** Every rank's peak, by rank. Collective: every rank calls it. */
  public static List<Long> gather(ProcessGroup pg) {
    return Arrays.stream(pg.allGather(new long[] {ofThisProcess()})).boxed().toList();
  }
}
