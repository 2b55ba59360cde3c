package dev.cohort.lab.net;

import dev.cohort.comm.EnvKeys;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Each worker on its own emulated host: a network namespace joined to a bridge by a veth pair, as
 * if every worker had a NIC on one switch. The kernel shapes each NIC's rate both ways with tc tbf
 * and drops packets on the way out with nft; latency and jitter, which need netem that this kernel
 * lacks, come from a {@link DelayRelay} on the bridge that peers dial instead of each other.
 *
 * <p>Names carry this process's id, so a later run removes what a killed run left behind.
 */
final class NamespaceNetwork implements EmulatedNetwork {
  static final String PREFIX = "cohort-lab-";
  private static final int PORT = 29600;
  private static final Pattern OURS = Pattern.compile("cohort-lab-(\\d+)-(w\\d+|probe)");
  private static final Pattern BRIDGE = Pattern.compile("\\d+: (clb(\\d+))[:@]");

  private final NetworkCondition net;
  private final int workers;
  private final int perHost; // workers sharing a namespace: an emulated host
  private final String ip;
  private final String subnet;
  private final String bridge;
  private final long pid = ProcessHandle.current().pid();
  private DelayRelay relay;

  private NamespaceNetwork(
      NetworkCondition net, int workers, int perHost, String ip, String subnet) {
    this.net = net;
    this.workers = workers;
    this.perHost = perHost;
    this.ip = ip;
    this.subnet = subnet;
    this.bridge = "clb" + pid;
  }

  private static Boolean available;

  /**
   * Root, with ip and tc, and the kernel lets us make a namespace (a container may not): tried once
   * per process.
   */
  static synchronized boolean available() {
    if (available == null) {
      available = isRoot() && Shell.which("ip") != null && Shell.which("tc") != null && probe();
    }
    return available;
  }

  private static boolean probe() {
    String ip = Shell.which("ip");
    String name = PREFIX + ProcessHandle.current().pid() + "-probe";
    try {
      Shell.run(List.of(ip, "netns", "add", name));
      Shell.run(List.of(ip, "netns", "del", name));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * @param perHost workers per namespace (an emulated host, its link shared by them; they talk over
   *     shared memory among themselves)
   */
  static NamespaceNetwork create(NetworkCondition net, int workers, int perHost, long seed)
      throws IOException {
    if (net.lossPercent() > 0 && Shell.which("nft") == null) {
      throw new IllegalArgumentException(
          "network " + net.name() + ": packet loss needs nft " + "(apt-get install nftables)");
    }
    if (workers < 1 || workers > 200) {
      throw new IllegalArgumentException("workers must be 1..200, got " + workers);
    }
    String ip = Shell.which("ip");
    removeStale(ip);
    if (perHost < 1 || workers % perHost != 0) {
      throw new IllegalArgumentException(
          "workers per host must divide the " + workers + " workers, got " + perHost);
    }
    NamespaceNetwork n = new NamespaceNetwork(net, workers, perHost, ip, freeSubnet(ip));
    try {
      n.build(seed);
      return n;
    } catch (IOException | RuntimeException e) {
      n.close();
      throw e;
    }
  }

  /** The namespace of host {@code h}. */
  private String host(int h) {
    return PREFIX + pid + "-w" + h;
  }

  private int hosts() {
    return workers / perHost;
  }

  private String ns(int rank) {
    return host(rank / perHost);
  }

  private String address(int rank) {
    return subnet + (rank / perHost + 2);
  }

  private void build(long seed) throws IOException {
    String tc = Shell.which("tc");
    Shell.run(List.of(ip, "link", "add", bridge, "type", "bridge"));
    Shell.run(List.of(ip, "addr", "add", subnet + "1/24", "dev", bridge));
    Shell.run(List.of(ip, "link", "set", bridge, "up"));
    for (int h = 0; h < hosts(); h++) {
      int r = h * perHost; // the host's first worker: ns(r) and address(r) are the host's
      String host = "clh" + pid + "_" + h;
      String nic = "clw" + pid + "_" + h;
      List<String> in = List.of(ip, "netns", "exec", ns(r));
      Shell.run(List.of(ip, "netns", "add", ns(r)));
      Shell.run(List.of(ip, "link", "add", host, "type", "veth", "peer", "name", nic));
      Shell.run(List.of(ip, "link", "set", nic, "netns", ns(r)));
      Shell.run(List.of(ip, "link", "set", host, "master", bridge, "up"));
      Shell.run(concat(in, ip, "addr", "add", address(r) + "/24", "dev", nic));
      Shell.run(concat(in, ip, "link", "set", nic, "up"));
      Shell.run(concat(in, ip, "link", "set", "lo", "up"));
      if (net.rateMbit() > 0) {
        // The worker's uplink (its side's egress) and downlink (the bridge side's egress).
        Shell.run(tbf(tc, host));
        Shell.run(concat(in, tbf(tc, nic).toArray(String[]::new)));
      }
      if (net.lossPercent() > 0) {
        long perTenThousand = Math.round(net.lossPercent() * 100);
        Shell.run(
            concat(in, Shell.which("nft"), "-f", "-"),
            String.format(
                Locale.ROOT,
                "table inet cohortlab { chain out { type filter hook output priority 0; "
                    + "numgen random mod 10000 < %d drop; }; }%n",
                perTenThousand));
      }
    }
    if (net.needsDelay()) {
      relay =
          DelayRelay.forWorkers(
              net,
              workers,
              r -> new InetSocketAddress(subnet + "1", PORT + r),
              r -> new InetSocketAddress(address(r), PORT + r),
              false,
              seed);
    }
  }

  /** The tc command that limits {@code dev}'s egress to the condition's rate. */
  private List<String> tbf(String tc, String dev) {
    long bytesPerSecond = (long) net.bytesPerSecond();
    // A burst of 2 ms of traffic (at least 64 KiB, one segmentation-offloaded packet) keeps the
    // average rate exact without starving TCP; 200 ms of queue before the link drops.
    long burst = Math.max(64 << 10, bytesPerSecond / 500);
    return List.of(
        tc,
        "qdisc",
        "add",
        "dev",
        dev,
        "root",
        "tbf",
        "rate",
        (bytesPerSecond * 8) + "bit",
        "burst",
        Long.toString(burst),
        "latency",
        "200ms");
  }

  @Override
  public NetworkCondition condition() {
    return net;
  }

  @Override
  public String method() {
    return "network namespaces + veth"
        + (net.rateMbit() > 0 ? " + tc tbf" : "")
        + (net.lossPercent() > 0 ? " + nft loss" : "")
        + (net.needsDelay() ? " + user-space delay relay" : "");
  }

  @Override
  public boolean separateHosts() {
    return true;
  }

  @Override
  public String storeHost() {
    return subnet + "1";
  }

  @Override
  public List<String> commandPrefix(int rank) {
    return List.of(ip, "netns", "exec", ns(rank));
  }

  @Override
  public Map<String, String> environment(int rank) {
    // Encryption off: the lab measures the network its cost model describes, calibrated without
    // it (bench comm measures what encryption costs); emulated hosts would turn it on by default.
    return Map.of(
        EnvKeys.COHORT_ENCRYPTION,
        "off",
        EnvKeys.COHORT_TRANSPORT,
        perHost > 1 ? "auto" : "tcp", // a host's workers share memory, as real ones would
        EnvKeys.COHORT_BIND_ADDR,
        address(rank),
        EnvKeys.COHORT_ADVERTISE_ADDR,
        net.needsDelay() ? subnet + "1" : address(rank),
        EnvKeys.COHORT_PORT_RANGE,
        Integer.toString(PORT + rank));
  }

  @Override
  public void close() {
    if (relay != null) {
      relay.close();
    }
    List<String> failed = new ArrayList<>();
    for (int h = 0; h < hosts(); h++) {
      delete(List.of(ip, "netns", "del", host(h)), failed); // takes its veth pair with it
    }
    delete(List.of(ip, "link", "del", bridge), failed);
    if (!failed.isEmpty()) {
      throw new IllegalStateException("could not remove the emulated network: " + failed);
    }
  }

  private static void delete(List<String> cmd, List<String> failed) {
    try {
      Shell.run(cmd);
    } catch (IOException e) {
      if (!e.getMessage().contains("No such") && !e.getMessage().contains("Cannot find")) {
        failed.add(e.getMessage());
      }
    }
  }

  /** Removes namespaces and bridges of lab runs whose process is gone. */
  private static void removeStale(String ip) throws IOException {
    List<String> failed = new ArrayList<>();
    for (String line : Shell.run(List.of(ip, "netns", "list")).split("\n")) {
      Matcher m = OURS.matcher(line.strip().split(" ")[0]);
      if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
        delete(List.of(ip, "netns", "del", m.group()), failed);
      }
    }
    Matcher b = BRIDGE.matcher(Shell.run(List.of(ip, "-o", "link", "show", "type", "bridge")));
    while (b.find()) {
      if (ProcessHandle.of(Long.parseLong(b.group(2))).isEmpty()) {
        delete(List.of(ip, "link", "del", b.group(1)), failed);
      }
    }
    if (!failed.isEmpty()) {
      throw new IOException("could not remove a stale emulated network: " + failed);
    }
  }

  /** A 10.231.K.0/24 that no interface here uses yet. */
  private static String freeSubnet(String ip) throws IOException {
    String used = Shell.run(List.of(ip, "-o", "-4", "addr", "show"));
    for (int k = 0; k < 256; k++) {
      String s = "10.231." + k + ".";
      if (!used.contains(" " + s)) {
        return s;
      }
    }
    throw new IOException("no free 10.231.K.0/24 subnet for the emulated network");
  }

  private static List<String> concat(List<String> head, String... tail) {
    List<String> out = new ArrayList<>(head);
    out.addAll(List.of(tail));
    return out;
  }

  private static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[1].equals("0");
        }
      }
    } catch (IOException e) {
      return false; // not Linux: no namespaces either
    }
    return false;
  }
}
