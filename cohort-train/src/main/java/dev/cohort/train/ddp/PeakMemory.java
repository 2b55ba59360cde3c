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

  /** A size in /proc/self/status, in bytes. */
  private static long status(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
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
