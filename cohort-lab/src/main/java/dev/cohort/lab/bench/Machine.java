package dev.cohort.lab.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** A one-line description of the machine for benchmark reports. */
public final class Machine {
  private Machine() {}

  public static String describe() {
    String cpu = cpuModel();
    long memGiB =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize()
            >> 30;
    return Runtime.getRuntime().availableProcessors()
        + " cores ("
        + cpu
        + "), "
        + memGiB
        + " GiB, Java "
        + Runtime.version();
  }

  /** The CPU's model name from /proc/cpuinfo, or "unknown CPU" where there is none. */
  public static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip())
          .findFirst()
          .orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU"; // not Linux: the CPU name is only decoration
    }
  }
}
