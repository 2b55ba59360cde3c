package dev.cohort.lab.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** A one-line description of the machine for benchmark reports. */
public final class Machine {
  private Machine() {}

  public static String describe() {
    String cpu = "unknown CPU";
    try {
      cpu =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .map(l -> l.substring(l.indexOf(':') + 1).strip())
              .findFirst()
              .orElse(cpu);
    } catch (IOException e) {
      // Not Linux: the CPU name is only decoration.
    }
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
}
