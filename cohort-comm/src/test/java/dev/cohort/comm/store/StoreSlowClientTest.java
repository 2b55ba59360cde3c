package dev.cohort.comm.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.auth.Handshake;
import dev.cohort.comm.auth.HandshakeSlots;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Slow and silent connections cannot hold the store or keep a correct client out. */
@Timeout(60)
class StoreSlowClientTest {
  private StoreServer server;
  private final List<Socket> silent = new ArrayList<>();

  @BeforeEach
  void start() {
    server = StoreServer.start("127.0.0.1", 0, ThreadWorld.SECRET, 1 << 20);
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : silent) {
      s.close();
    }
    server.close();
  }

  @Test
  void aClientSendingOneByteASecondShouldBeDroppedAtTheHandshakeDeadline() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      long start = System.nanoTime();
      Thread trickle =
          new Thread(
              () -> {
                try {
                  OutputStream out = s.getOutputStream();
                  for (int i = 0; i < 60; i++) {
                    out.write(i == 3 ? 45 : 0); // the start of a plausible HELLO frame
                    out.flush();
                    Thread.sleep(1000);
                  }
                } catch (IOException | InterruptedException e) {
                  // The server hung up: what this test waits for.
                }
              });
      trickle.setDaemon(true);
      trickle.start();
      s.setSoTimeout(30_000);
      assertThat(s.getInputStream().read()).as("server hung up without a word").isEqualTo(-1);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(ms)
          .isBetween(Handshake.DEADLINE.toMillis() - 500, Handshake.DEADLINE.toMillis() + 2000);
      trickle.interrupt();
    }
    assertStoreServesWithin(Duration.ofSeconds(2));
  }

  @Test
  void thousandsOfSilentConnectionsShouldNotKeepOutACorrectClient() throws Exception {
    // More than the store's 4,096 connections, which silent handshakes used to fill.
    for (int i = 0; i < 4200; i++) {
      silent.add(new Socket("127.0.0.1", server.port()));
    }
    assertStoreServesWithin(Handshake.DEADLINE);
  }

  @Test
  void aFloodFromOneAddressShouldNotDropHandshakesFromAnother() throws Exception {
    Socket slow = new Socket("127.0.0.1", server.port()); // a handshake in progress
    silent.add(slow);
    Thread.sleep(100);
    List<Socket> flood = new ArrayList<>();
    InetAddress other = InetAddress.getByName("127.0.0.2");
    int n = HandshakeSlots.DEFAULT_MAX_PER_ADDRESS + 50;
    for (int i = 0; i < n; i++) {
      Socket s = new Socket();
      s.bind(new InetSocketAddress(other, 0));
      s.connect(new InetSocketAddress("127.0.0.1", server.port()));
      flood.add(s);
      silent.add(s);
    }
    Thread.sleep(500);
    assertThat(isOpen(slow)).as("the other address's handshake").isTrue();
    long dropped = 0;
    for (Socket s : flood) {
      dropped += isOpen(s) ? 0 : 1;
    }
    assertThat(dropped).as("flood connections dropped").isEqualTo(50);
    assertStoreServesWithin(Duration.ofSeconds(2));
  }

  private void assertStoreServesWithin(Duration limit) {
    long start = System.nanoTime();
    try (TcpStore s =
        TcpStore.connect(
            "127.0.0.1", server.port(), ThreadWorld.SECRET, Duration.ofSeconds(10), 1 << 20)) {
      s.set("alive", new byte[] {1});
      assertThat(s.tryGet("alive")).isPresent();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(limit);
  }

  /** True if the server has not closed the connection (nothing to read, no end of stream). */
  private static boolean isOpen(Socket s) throws IOException {
    s.setSoTimeout(20);
    try {
      return s.getInputStream().read() != -1;
    } catch (SocketTimeoutException e) {
      return true;
    } catch (IOException e) {
      return false; // reset
    }
  }
}
