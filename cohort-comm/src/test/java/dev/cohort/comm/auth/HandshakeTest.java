package dev.cohort.comm.auth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.AuthenticationException;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.auth.Handshake.Purpose;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.wire.FrameReader;
import dev.cohort.comm.wire.FrameWriter;
import dev.cohort.comm.wire.Frames;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connecting side proves first: nothing a client can test guesses against comes back before it
 * has proved the secret, and a proof is good for one connection only.
 */
@Timeout(30)
class HandshakeTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void theServersFirstMessageShouldNotDependOnTheSecret() throws Exception {
    try (StoreServer a = server(Secrets.generate());
        StoreServer b = server(Secrets.generate());
        Conversation toA = new Conversation(a.port());
        Conversation toA2 = new Conversation(a.port());
        Conversation toB = new Conversation(b.port())) {
      byte[] first = toA.hello();
      byte[] again = toA2.hello();
      byte[] other = toB.hello();
      // magic, version and a nonce: the same form whatever the secret, nothing else
      for (byte[] challenge : new byte[][] {first, again, other}) {
        assertThat(challenge).hasSize(8 + Handshake.NONCE_BYTES);
        ByteBuffer head = ByteBuffer.wrap(challenge);
        assertThat(head.getInt()).isEqualTo(Handshake.MAGIC);
        assertThat(head.getInt()).isEqualTo(Handshake.VERSION);
      }
      assertThat(nonce(first)).isNotEqualTo(nonce(again)).isNotEqualTo(nonce(other));
      // A wrong proof is answered with the same refusal by both: still nothing from the secret.
      byte[] refusalA = toA.send(randomProof());
      byte[] refusalB = toB.send(randomProof());
      assertThat(refusalA).isEqualTo(refusalB);
      assertThat(refusalA[0]).as("verdict").isEqualTo((byte) 1);
      assertThat(new FrameReader(Arrays.copyOfRange(refusalA, 1, refusalA.length), "t").string())
          .isEqualTo("wrong shared secret");
      assertThat(toA.closedByServer()).isTrue();
    }
  }

  @Test
  void aCorrectProofShouldBeAnsweredWithTheServersOwn() throws Exception {
    String secret = Secrets.generate();
    try (StoreServer s = server(secret);
        Conversation c = new Conversation(s.port())) {
      byte[] nonceS = nonce(c.hello());
      byte[] nonceC = randomBytes(Handshake.NONCE_BYTES);
      byte[] verdict = c.send(proof(secret, nonceS, nonceC));
      assertThat(verdict[0]).isZero();
      assertThat(verdict[1]).as("no encryption on loopback").isZero();
      assertThat(Arrays.copyOfRange(verdict, 2, verdict.length))
          .isEqualTo(
              Handshake.mac(secret.getBytes(UTF_8), "server", Purpose.STORE, 0, nonceC, nonceS));
    }
  }

  @Test
  void aReplayedProofShouldBeRefused() throws Exception {
    String secret = Secrets.generate();
    try (StoreServer s = server(secret)) {
      byte[] recorded;
      try (Conversation first = new Conversation(s.port())) {
        recorded = proof(secret, nonce(first.hello()), randomBytes(Handshake.NONCE_BYTES));
        assertThat(first.send(recorded)[0]).as("the original is accepted").isZero();
      }
      try (Conversation replay = new Conversation(s.port())) {
        replay.hello(); // a fresh nonce, which the recorded proof does not cover
        assertThat(replay.send(recorded)[0]).as("the replay is refused").isEqualTo((byte) 1);
        assertThat(replay.closedByServer()).isTrue();
      }
    }
  }

  @Test
  void aClientShouldRefuseAServerThatAcceptsWithoutProvingTheSecret() throws Exception {
    try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> server =
          CompletableFuture.runAsync(
              () -> {
                try (Socket s = fake.accept()) {
                  DataInputStream in = new DataInputStream(s.getInputStream());
                  DataOutputStream out = new DataOutputStream(s.getOutputStream());
                  Frames.read(in, 256, "client");
                  Frames.write(
                      out,
                      new FrameWriter()
                          .i32(Handshake.MAGIC)
                          .i32(Handshake.VERSION)
                          .raw(randomBytes(Handshake.NONCE_BYTES))
                          .toByteArray());
                  Frames.read(in, 256, "client");
                  Frames.write(
                      out, new FrameWriter().u8(0).u8(0).raw(randomBytes(32)).toByteArray());
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      try (Socket s = new Socket(fake.getInetAddress(), fake.getLocalPort())) {
        assertThatThrownBy(
                () ->
                    Handshake.client(
                        new DataInputStream(s.getInputStream()),
                        new DataOutputStream(s.getOutputStream()),
                        Secrets.generate().getBytes(UTF_8),
                        Purpose.STORE,
                        false,
                        "fake store"))
            .isInstanceOf(AuthenticationException.class)
            .hasMessageContaining("fake store did not prove the shared secret");
      }
      server.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSecretShorterThan16BytesShouldBeRefusedSayingHowToMakeOne() throws Exception {
    byte[] weak = "abc".getBytes(UTF_8);
    assertThatThrownBy(() -> StoreServer.start("127.0.0.1", 0, weak, 1 << 20))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("3 bytes")
        .hasMessageContaining("cohort secret")
        .hasMessageContaining("openssl rand -hex 16");
    try (StoreServer s = server("0123456789abcdef"); // 16 bytes: the least accepted
        Socket socket = new Socket("127.0.0.1", s.port())) {
      assertThatThrownBy(
              () ->
                  Handshake.client(
                      new DataInputStream(socket.getInputStream()),
                      new DataOutputStream(socket.getOutputStream()),
                      "0123456789abcde".getBytes(UTF_8),
                      Purpose.STORE,
                      false,
                      "store"))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("15 bytes");
    }
  }

  private static StoreServer server(String secret) {
    return StoreServer.start("127.0.0.1", 0, secret.getBytes(UTF_8), 1 << 20);
  }

  private static byte[] proof(String secret, byte[] nonceS, byte[] nonceC) {
    return new FrameWriter()
        .raw(nonceC)
        .raw(Handshake.mac(secret.getBytes(UTF_8), "client", Purpose.STORE, 0, nonceS, nonceC))
        .toByteArray();
  }

  private static byte[] randomProof() {
    return randomBytes(Handshake.NONCE_BYTES + 32);
  }

  private static byte[] nonce(byte[] challenge) {
    return Arrays.copyOfRange(challenge, 8, challenge.length);
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  /** The client's side of a handshake, frame by frame. */
  private static final class Conversation implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    Conversation(int port) throws Exception {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(5000);
      in = new DataInputStream(socket.getInputStream());
      out = new DataOutputStream(socket.getOutputStream());
    }

    /** Sends HELLO for the store; returns the server's CHALLENGE. */
    byte[] hello() throws Exception {
      return send(
          new FrameWriter()
              .i32(Handshake.MAGIC)
              .i32(Handshake.VERSION)
              .u8(Purpose.STORE.ordinal())
              .u8(0) // no encryption asked
              .toByteArray());
    }

    byte[] send(byte[] frame) throws Exception {
      Frames.write(out, frame);
      return Frames.read(in, 256, "server");
    }

    boolean closedByServer() throws Exception {
      return in.read() == -1;
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }
}
