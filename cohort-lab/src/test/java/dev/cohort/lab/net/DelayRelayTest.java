package dev.cohort.lab.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DelayRelayTest {

  /** Echoes the first connection to {@code echo} back to it, on a thread of its own. */
  private static Thread echoOnce(ServerSocket echo) {
    return serveOnce(echo, true);
  }

  /**
   * Takes the first connection to {@code server} on a thread of its own and reads it to the end,
   * sending every byte back ({@code echo}) or dropping it.
   */
  private static Thread serveOnce(ServerSocket server, boolean echo) {
    Thread t =
        new Thread(
            () -> {
              try (Socket s = server.accept()) {
                s.getInputStream()
                    .transferTo(echo ? s.getOutputStream() : OutputStream.nullOutputStream());
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    t.start();
    return t;
  }

  /** A loopback port that is free for the relay to listen on. */
  private static int freePort() throws java.io.IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return probe.getLocalPort();
    }
  }

  /**
   * An echo server behind a relay, on another address (another emulated host) than the client:
   * every byte comes back intact, in order, after two delays.
   */
  @Test
  void relaysBytesInOrderAfterTheLatencyEachWay() throws Exception {
    try (ServerSocket echo = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
      Thread server = echoOnce(echo);
      int port = freePort();
      NetworkCondition net = NetworkCondition.parse("lat=20ms,jitter=5ms");
      try (DelayRelay relay =
              new DelayRelay(
                  net,
                  List.of(
                      new DelayRelay.Route(
                          0,
                          new InetSocketAddress("127.0.0.1", port),
                          (InetSocketAddress) echo.getLocalSocketAddress())),
                  Map.of(),
                  false,
                  1);
          Socket client = new Socket("127.0.0.1", port)) {
        client.setTcpNoDelay(true);
        DataOutputStream out = new DataOutputStream(client.getOutputStream());
        DataInputStream in = new DataInputStream(client.getInputStream());
        byte[] sent = new byte[3 << 20];
        new Random(3).nextBytes(sent);
        long t0 = System.nanoTime();
        Thread writer =
            new Thread(
                () -> {
                  try {
                    out.write(sent);
                    out.flush();
                  } catch (Exception e) {
                    throw new RuntimeException(e);
                  }
                });
        writer.start();
        byte[] back = new byte[sent.length];
        in.readFully(back);
        double ms = (System.nanoTime() - t0) / 1e6;
        writer.join();
        assertThat(back).isEqualTo(sent);
        assertThat(ms).as("round trip through two 20 ms delays").isGreaterThanOrEqualTo(40);
        assertThat(relay.bytesRelayed()).isEqualTo(2L * sent.length);
      }
      server.join(5000);
    }
  }

  @Test
  void ratesAreKeptForEachSendersUplink() throws Exception {
    // 8 Mbit/s = 1 MB/s: 512 KiB must take about half a second; the lower bound is what matters.
    try (ServerSocket sink = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Thread server = serveOnce(sink, false);
      int port = freePort();
      NetworkCondition net = NetworkCondition.parse("lat=0,rate=8mbit");
      InetAddress sender = InetAddress.getByName("127.0.1.7");
      try (DelayRelay relay =
          new DelayRelay(
              net,
              List.of(
                  new DelayRelay.Route(
                      0,
                      new InetSocketAddress("127.0.0.1", port),
                      (InetSocketAddress) sink.getLocalSocketAddress()),
                  new DelayRelay.Route(
                      1,
                      new InetSocketAddress("127.0.0.1", 0),
                      new InetSocketAddress("127.0.0.1", 9))),
              Map.of(sender, 1),
              true,
              1)) {
        long t0 = System.nanoTime();
        try (Socket client = new Socket()) {
          client.bind(new InetSocketAddress(sender, 0));
          client.connect(new InetSocketAddress("127.0.0.1", port));
          client.getOutputStream().write(new byte[512 << 10]);
        }
        server.join(10_000);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(seconds).isGreaterThan(0.4);
      }
    }
  }

  /** A connection from the worker's own address (its emulated host) crosses no link: no delay. */
  @Test
  void workersOfOneHostShouldReachEachOtherAtOnce() throws Exception {
    InetAddress host = InetAddress.getByName("127.0.0.3");
    try (ServerSocket echo = new ServerSocket(0, 1, host)) {
      Thread server = echoOnce(echo);
      int port = freePort();
      try (DelayRelay relay =
              new DelayRelay(
                  NetworkCondition.parse("lat=500ms"),
                  List.of(
                      new DelayRelay.Route(
                          0,
                          new InetSocketAddress("127.0.0.1", port),
                          (InetSocketAddress) echo.getLocalSocketAddress())),
                  Map.of(),
                  false,
                  1);
          Socket client = new Socket()) {
        client.bind(new InetSocketAddress(host, 0));
        client.connect(new InetSocketAddress("127.0.0.1", port));
        long t0 = System.nanoTime();
        client.getOutputStream().write(new byte[] {1, 2, 3});
        byte[] back = new DataInputStream(client.getInputStream()).readNBytes(3);
        double ms = (System.nanoTime() - t0) / 1e6;
        assertThat(back).containsExactly(1, 2, 3);
        assertThat(ms).as("no 500 ms delay each way").isLessThan(400);
        client.shutdownOutput();
      }
      server.join(5000);
    }
  }
}
