package dev.cohort.comm.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.AuthenticationException;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.PeerClosedException;
import dev.cohort.comm.ProtocolException;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.auth.Handshake;
import dev.cohort.comm.wire.FrameWriter;
import dev.cohort.comm.wire.Frames;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Only holders of the secret get in; malformed bytes never crash or exhaust the server. */
@Timeout(60)
class StoreSecurityTest {
  private StoreServer server;

  @BeforeEach
  void start() {
    server = StoreServer.start("127.0.0.1", 0, ThreadWorld.SECRET, 1 << 20);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aClientWithTheWrongSecretShouldBeRejected() {
    assertThatThrownBy(
            () ->
                TcpStore.connect(
                    "127.0.0.1", server.port(), otherSecret(), Duration.ofSeconds(5), 1 << 20))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("secret");
  }

  @Test
  void aClientWithNoSecretShouldBeRejectedBeforeConnecting() {
    assertThatThrownBy(
            () ->
                TcpStore.connect(
                    "127.0.0.1", server.port(), new byte[0], Duration.ofSeconds(5), 1 << 20))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("COHORT_SECRET");
  }

  @Test
  void aServerWithNoSecretShouldRefuseToStart() {
    assertThatThrownBy(() -> StoreServer.start("127.0.0.1", 0, new byte[0], 1 << 20))
        .isInstanceOf(AuthenticationException.class);
  }

  @Test
  void configWithoutSecretShouldSayHowToSetOne() {
    assertThatThrownBy(() -> CommConfig.fromEnvironment(Map.of(), Map.of()))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("COHORT_SECRET");
  }

  @Test
  void garbageBytesShouldBeDroppedAndTheStoreShouldStayUsable() throws Exception {
    byte[] junk = new byte[64 * 1024];
    new Random(1).nextBytes(junk);
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.getOutputStream().write(junk);
      s.setSoTimeout(5000);
      assertThat(drain(s.getInputStream())).isLessThan(1024);
    }
    assertStoreWorks();
  }

  @Test
  void anOversizedFrameLengthShouldCloseTheConnectionWithoutAllocating() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      new DataOutputStream(s.getOutputStream()).writeInt(Integer.MAX_VALUE);
      s.setSoTimeout(5000);
      assertThat(drain(s.getInputStream())).isZero();
    }
    assertStoreWorks();
  }

  @Test
  void anOversizedRequestAfterAuthenticationShouldBeRefused() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      Handshake.client(in, out, ThreadWorld.SECRET, Handshake.Purpose.STORE, false, "test");
      Frames.write(out, new FrameWriter().string(StoreServer.DEFAULT_JOB).toByteArray());
      Frames.read(in, 64, "test"); // status and instance id
      out.writeInt((1 << 20) + 1); // one byte over the server's bound
      out.flush();
      assertThat(drain(in)).isZero();
    }
    assertStoreWorks();
  }

  @Test
  void aTruncatedFrameShouldBeDropped() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeInt(100);
      out.write(new byte[10]);
      s.shutdownOutput();
      s.setSoTimeout(5000);
      assertThat(drain(s.getInputStream())).isZero();
    }
    assertStoreWorks();
  }

  @Test
  void anOtherProtocolVersionShouldBeToldWhy() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      Frames.write(
          out,
          new FrameWriter().i32(Handshake.MAGIC).i32(99).u8(0).raw(new byte[32]).toByteArray());
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] reply = Frames.read(in, 256, "server");
      assertThat(new String(reply)).contains("version 99");
    }
  }

  @Test
  void aClientShouldRejectAServerThatDoesNotKnowTheSecret() throws Exception {
    try (StoreServer impostor = StoreServer.start("127.0.0.1", 0, otherSecret(), 1 << 20)) {
      assertThatThrownBy(
              () ->
                  TcpStore.connect(
                      "127.0.0.1",
                      impostor.port(),
                      ThreadWorld.SECRET,
                      Duration.ofSeconds(5),
                      1 << 20))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("rejected this client")
          .hasMessageContaining("COHORT_SECRET");
    }
  }

  @Test
  void handshakeShouldRefuseAPurposeMismatch() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      assertThatThrownBy(
              () ->
                  Handshake.client(
                      new DataInputStream(s.getInputStream()),
                      new DataOutputStream(s.getOutputStream()),
                      ThreadWorld.SECRET,
                      Handshake.Purpose.DATA,
                      false,
                      "store"))
          .isInstanceOfAny(ProtocolException.class, PeerClosedException.class);
    }
  }

  /** A strong secret, but not the server's. */
  private static byte[] otherSecret() {
    return Secrets.generate().getBytes(UTF_8);
  }

  private void assertStoreWorks() {
    try (TcpStore s =
        TcpStore.connect(
            "127.0.0.1", server.port(), ThreadWorld.SECRET, Duration.ofSeconds(5), 1 << 20)) {
      s.set("alive", new byte[] {1});
      assertThat(s.tryGet("alive")).isPresent();
    }
  }

  /** Reads until EOF; returns the number of bytes the server sent before closing. */
  private static int drain(InputStream in) throws Exception {
    int total = 0;
    byte[] buf = new byte[4096];
    int n;
    while ((n = in.read(buf)) > 0) {
      total += n;
    }
    return total;
  }
}
