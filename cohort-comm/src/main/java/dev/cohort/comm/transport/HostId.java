package dev.cohort.comm.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Identifies "the same host" for choosing shared memory: the machine id, the boot id and the
 * network namespace. Processes in different network namespaces get different ids on purpose: they
 * stand for different hosts in emulated-network experiments, and shared memory would bypass the
 * emulated link.
 */
public final class HostId {
  private static final String ID = compute();

  private HostId() {}

  public static String current() {
    return ID;
  }

  /**
   * Whether {@code other} (another process's {@link #current()}) runs under this kernel, and so
   * shares this machine's cores, whatever its network namespace: the boot ids match.
   */
  public static boolean sameMachine(String other) {
    String mine = bootId(ID);
    return !mine.isEmpty() && mine.equals(bootId(other));
  }

  /** The boot id field of an id: the second of its '/'-separated fields, or "". */
  static String bootId(String id) {
    String[] f = id.split("/", 3);
    return f.length >= 2 ? f[1] : "";
  }

  private static String compute() {
    StringBuilder sb = new StringBuilder();
    sb.append(read(Path.of("/etc/machine-id")));
    sb.append('/').append(read(Path.of("/proc/sys/kernel/random/boot_id")));
    try {
      sb.append('/').append(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
    } catch (IOException | UnsupportedOperationException e) {
      sb.append("/nons");
    }
    if (sb.length() < 16) {
      try {
        sb.append('/').append(InetAddress.getLocalHost().getHostName());
      } catch (IOException e) {
        sb.append("/unknown");
      }
    }
    return sb.toString().replace('|', '_');
  }

  private static String read(Path p) {
    try {
      return Files.readString(p).strip();
    } catch (IOException e) {
      return "";
    }
  }
}
