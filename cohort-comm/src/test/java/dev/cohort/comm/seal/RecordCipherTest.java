package dev.cohort.comm.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.ProtocolException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Records and the blocking streams: round trips, and every kind of tampering refused. */
class RecordCipherTest {
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();

  private static SessionKeys keys() {
    Random r = new Random(1);
    byte[] nonceS = new byte[32];
    byte[] nonceC = new byte[32];
    r.nextBytes(nonceS);
    r.nextBytes(nonceC);
    return SessionKeys.derive(SECRET, 1, nonceS, nonceC);
  }

  @Test
  void keysShouldDifferByDirectionNonceAndPurpose() {
    SessionKeys k = keys();
    assertThat(k.clientToServer()).hasSize(32).isNotEqualTo(k.serverToClient());
    byte[] zeros = new byte[32];
    assertThat(SessionKeys.derive(SECRET, 1, zeros, zeros).clientToServer())
        .isNotEqualTo(k.clientToServer());
    assertThat(SessionKeys.derive(SECRET, 0, zeros, zeros).clientToServer())
        .isNotEqualTo(SessionKeys.derive(SECRET, 1, zeros, zeros).clientToServer());
  }

  @Test
  void framesShouldRoundTripThroughSealedStreamsAndNeverShowThePlaintext() throws Exception {
    Session client = Session.encrypted(keys(), true);
    Session server = Session.encrypted(keys(), false);
    byte[] big = new byte[200_000]; // several records
    Arrays.fill(big, (byte) 'A');
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    DataOutputStream out = client.output(new DataOutputStream(wire));
    out.writeUTF("hello store");
    out.flush();
    out.write(big);
    out.flush();
    byte[] sent = wire.toByteArray();
    assertThat(new String(sent, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain("hello store")
        .doesNotContain("AAAAAAAAAAAAAAAA");
    DataInputStream in =
        server.input(new DataInputStream(new ByteArrayInputStream(sent)), "the client");
    assertThat(in.readUTF()).isEqualTo("hello store");
    byte[] back = new byte[big.length];
    in.readFully(back);
    assertThat(back).isEqualTo(big);
    assertThat(in.read()).as("clean end between records").isEqualTo(-1);
  }

  @Test
  void anyFlippedBitShouldFailAuthentication() throws Exception {
    byte[] wire = sealed("the averaged gradients".getBytes());
    for (int i = 0; i < wire.length; i++) {
      byte[] bad = wire.clone();
      bad[i] ^= 0x10;
      assertThatThrownBy(() -> readAll(bad))
          .as("byte %d flipped", i)
          .isInstanceOfAny(ProtocolException.class, java.io.IOException.class);
    }
  }

  @Test
  void aReplayedOrReorderedRecordShouldFailAuthentication() throws Exception {
    Session client = Session.encrypted(keys(), true);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    DataOutputStream out = client.output(new DataOutputStream(wire));
    out.writeInt(1);
    out.flush();
    int first = wire.size();
    out.writeInt(2);
    out.flush();
    byte[] all = wire.toByteArray();
    byte[] recordOne = Arrays.copyOfRange(all, 0, first);
    byte[] recordTwo = Arrays.copyOfRange(all, first, all.length);
    byte[] replayed = concat(recordOne, recordOne);
    byte[] reordered = concat(recordTwo, recordOne);
    DataInputStream in = reader(replayed);
    assertThat(in.readInt()).isEqualTo(1);
    assertThatThrownBy(in::readInt)
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("record 1 that failed authentication");
    assertThatThrownBy(() -> reader(reordered).readInt()).isInstanceOf(ProtocolException.class);
  }

  @Test
  void anOversizedRecordLengthShouldBeRefusedBeforeAnythingIsRead() {
    ByteBuffer header = ByteBuffer.allocate(4).putInt(0, Integer.MAX_VALUE);
    assertThatThrownBy(() -> RecordCipher.cipherLength(header, "rank 3"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("rank 3 sent an encrypted record of 2147483647 bytes");
    assertThatThrownBy(() -> RecordCipher.cipherLength(ByteBuffer.allocate(4), "rank 3"))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void aRecordCutShortShouldBeAProtocolError() throws Exception {
    byte[] wire = sealed(new byte[100]);
    assertThatThrownBy(() -> readAll(Arrays.copyOf(wire, wire.length - 1)))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("in the middle of a record");
  }

  private static byte[] sealed(byte[] payload) throws Exception {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    DataOutputStream out = Session.encrypted(keys(), true).output(new DataOutputStream(wire));
    out.write(payload);
    out.flush();
    return wire.toByteArray();
  }

  private static DataInputStream reader(byte[] wire) {
    return Session.encrypted(keys(), false)
        .input(new DataInputStream(new ByteArrayInputStream(wire)), "the client");
  }

  private static void readAll(byte[] wire) throws Exception {
    DataInputStream in = reader(wire);
    while (in.read() >= 0) {
      // drain
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
