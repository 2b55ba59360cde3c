package dev.cohort.comm.auth;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.AuthenticationException;
import dev.cohort.comm.CommException;
import dev.cohort.comm.Encryption;
import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Store traffic through a man in the middle: encrypted when either side asks, unreadable on the
 * wire, and neither strippable nor alterable.
 */
@Timeout(60)
class EncryptedStoreTest {
  /** HELLO: frame length u32, magic u32, version u32, purpose u8, then the encryption request. */
  private static final int WANT_OFFSET = 13;

  @Test
  void aClientThatAsksShouldGetEncryptionAndTheWireShouldShowNoPlaintext() throws Exception {
    try (StoreServer server = start(Encryption.OFF);
        Relay relay = new Relay(server.port(), Relay.Tamper.NONE)) {
      try (TcpStore store = connect(relay.port(), Encryption.ON)) {
        store.set("secret-plan", "launch at dawn".getBytes(UTF_8));
        assertThat(new String(store.get("secret-plan", Duration.ofSeconds(5)), UTF_8))
            .isEqualTo("launch at dawn");
      }
      String wire =
          new String(relay.clientBytes(), ISO_8859_1) + new String(relay.serverBytes(), ISO_8859_1);
      assertThat(wire).doesNotContain("secret-plan").doesNotContain("launch at dawn");
    }
  }

  @Test
  void withoutEncryptionTheWireShowsThePlaintext() throws Exception {
    // The control for the test above: the same exchange on loopback with neither side asking.
    try (StoreServer server = start(Encryption.AUTO);
        Relay relay = new Relay(server.port(), Relay.Tamper.NONE)) {
      try (TcpStore store = connect(relay.port(), Encryption.AUTO)) {
        store.set("secret-plan", "launch at dawn".getBytes(UTF_8));
      }
      assertThat(new String(relay.clientBytes(), ISO_8859_1)).contains("launch at dawn");
    }
  }

  @Test
  void aServerThatAsksShouldEncryptForAClientThatDidNot() throws Exception {
    try (StoreServer server = start(Encryption.ON);
        Relay relay = new Relay(server.port(), Relay.Tamper.NONE)) {
      assertThat(server.encrypts()).isTrue();
      try (TcpStore store = connect(relay.port(), Encryption.OFF)) {
        store.set("k", "visible?".getBytes(UTF_8));
        assertThat(store.get("k", Duration.ofSeconds(5))).isEqualTo("visible?".getBytes(UTF_8));
      }
      assertThat(new String(relay.clientBytes(), ISO_8859_1)).doesNotContain("visible?");
    }
  }

  @Test
  void strippingTheEncryptionRequestShouldFailTheHandshake() throws Exception {
    try (StoreServer server = start(Encryption.OFF);
        Relay relay = new Relay(server.port(), new Relay.Tamper(WANT_OFFSET, 1))) {
      assertThatThrownBy(() -> connect(relay.port(), Encryption.ON))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("rejected this client");
      assertThat(relay.clientBytes()[WANT_OFFSET]).as("the relay did strip it").isZero();
    }
  }

  @Test
  void anAlteredRecordShouldBeRefusedAndTheStoreShouldServeOthers() throws Exception {
    try (StoreServer server = start(Encryption.ON)) {
      // The client's HELLO (17 bytes) and PROOF (4 + 64) precede its first record (the job it
      // joins); change a byte in that record's body.
      long inFirstRecord = 17 + 68 + 4 + 6;
      try (Relay relay = new Relay(server.port(), new Relay.Tamper(inFirstRecord, 0x40))) {
        assertThatThrownBy(
                () -> {
                  try (TcpStore store = connect(relay.port(), Encryption.ON)) {
                    store.set("k", "v".getBytes(UTF_8));
                  }
                })
            .isInstanceOf(CommException.class);
      }
      try (TcpStore store = connect(server.port(), Encryption.ON)) {
        store.set("k", "v".getBytes(UTF_8));
        assertThat(store.get("k", Duration.ofSeconds(5))).isEqualTo("v".getBytes(UTF_8));
      }
    }
  }

  private static StoreServer start(Encryption encryption) {
    return StoreServer.on("127.0.0.1", 0).secret(ThreadWorld.SECRET).encryption(encryption).start();
  }

  private static TcpStore connect(int port, Encryption encryption) {
    return TcpStore.to("127.0.0.1", port)
        .secret(ThreadWorld.SECRET)
        .timeout(Duration.ofSeconds(5))
        .encryption(encryption)
        .connect();
  }
}
