package dev.cohort.lab.net;

import dev.cohort.comm.EnvKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

/**
 * The fallback where namespaces cannot be made (not root, no iproute2): every worker listens on its
 * own loopback address (127.0.1.R+1) and peers dial a {@link DelayRelay} in this process that adds
 * the latency and enforces each worker's link rate itself. Results are labelled "emulated
 * in-process": the kernel's queues and TCP's reaction to them are not part of the picture. Packet
 * loss cannot be emulated this way (a relay between TCP streams loses nothing).
 */
final class LoopbackNetwork implements EmulatedNetwork {
  private final NetworkCondition net;
  private final int[] ports;
  private final DelayRelay relay;

  private LoopbackNetwork(NetworkCondition net, int[] ports, DelayRelay relay) {
    this.net = net;
    this.ports = ports;
    this.relay = relay;
  }

  static LoopbackNetwork create(NetworkCondition net, int workers, long seed) throws IOException {
    if (net.lossPercent() > 0) {
      throw new IllegalArgumentException(
          "network "
              + net.name()
              + ": packet loss needs network "
              + "namespaces (run as root with iproute2 and nftables); the in-process fallback cannot "
              + "drop packets");
    }
    if (workers < 1 || workers > 250) {
      throw new IllegalArgumentException("workers must be 1..250, got " + workers);
    }
    int[] ports = new int[workers];
    for (int r = 0; r < workers; r++) {
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        ports[r] = probe.getLocalPort();
      }
    }
    DelayRelay relay = null;
    if (!net.isNone()) {
      relay =
          DelayRelay.forWorkers(
              net,
              workers,
              r -> new InetSocketAddress("127.0.0.1", ports[r]),
              r -> new InetSocketAddress(address(r), ports[r]),
              true,
              seed);
    }
    return new LoopbackNetwork(net, ports, relay);
  }

  private static String address(int r) {
    return "127.0.1." + (r + 1);
  }

  @Override
  public NetworkCondition condition() {
    return net;
  }

  @Override
  public String method() {
    return net.isNone() ? "loopback" : "emulated in-process (user-space relay on loopback)";
  }

  @Override
  public String storeHost() {
    return "127.0.0.1";
  }

  @Override
  public List<String> commandPrefix(int rank) {
    return List.of();
  }

  @Override
  public Map<String, String> environment(int rank) {
    // Encryption off: the lab measures the network its cost model describes, calibrated without
    // it (bench comm measures what encryption costs); emulated hosts would turn it on by default.
    return Map.of(
        EnvKeys.COHORT_ENCRYPTION,
        "off",
        EnvKeys.COHORT_TRANSPORT,
        "tcp",
        EnvKeys.COHORT_BIND_ADDR,
        address(rank),
        EnvKeys.COHORT_ADVERTISE_ADDR,
        relay != null ? "127.0.0.1" : address(rank),
        EnvKeys.COHORT_PORT_RANGE,
        Integer.toString(ports[rank]));
  }

  @Override
  public void close() {
    if (relay != null) {
      relay.close();
    }
  }
}
