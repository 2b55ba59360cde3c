package dev.cohort.comm.auth;

import dev.cohort.comm.AuthenticationException;
import dev.cohort.comm.ProtocolException;
import dev.cohort.comm.wire.FrameReader;
import dev.cohort.comm.wire.FrameWriter;
import dev.cohort.comm.wire.Frames;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mutual HMAC-SHA256 challenge-response run on every new connection before any other byte is
 * trusted. Both sides prove they hold the shared secret without sending it; fresh nonces on both
 * sides make a recorded exchange useless for replay. The protocol version is checked in the same
 * exchange, so an old client fails with a clear message instead of misreading frames.
 *
 * <pre>
 * client -> server  HELLO   magic, version, purpose, nonceC[32]
 * server -> client  PROOF   magic, version, nonceS[32], HMAC(k, "server" | purpose | nonceC | nonceS)
 * client -> server  PROOF   HMAC(k, "client" | purpose | nonceS | nonceC)
 * server -> client  VERDICT 0 = accepted, else a reason string, then the server closes
 * </pre>
 */
public final class Handshake {
  public static final int MAGIC = 0x434F4854; // "COHT"
  public static final int VERSION = 1;

  /**
   * How long the accepting side gives a new connection to finish the whole handshake, by the wall
   * clock (see {@link DeadlineInputStream}); a correct peer needs a few round trips.
   */
  public static final Duration DEADLINE = Duration.ofSeconds(5);

  private static final int NONCE_BYTES = 32;
  private static final int MAX_FRAME = 256;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What the connection is for; a proof for one purpose is not valid for another. */
  public enum Purpose {
    STORE,
    DATA
  }

  private Handshake() {}

  /**
   * Runs the client side.
   *
   * @param what names the server in error messages
   * @throws AuthenticationException if the server does not prove the secret or rejects ours
   * @throws ProtocolException on a version mismatch or malformed frame
   */
  public static void client(
      DataInputStream in, DataOutputStream out, byte[] secret, Purpose purpose, String what)
      throws IOException {
    requireSecret(secret);
    byte[] nonceC = nonce();
    Frames.write(
        out,
        new FrameWriter().i32(MAGIC).i32(VERSION).u8(purpose.ordinal()).raw(nonceC).toByteArray());
    FrameReader proof = new FrameReader(Frames.read(in, MAX_FRAME, what), what);
    int magic = proof.i32();
    if (magic == ~MAGIC) {
      throw new ProtocolException(what + " refused the connection: " + proof.string());
    }
    checkMagicAndVersion(magic, proof.i32(), what);
    byte[] nonceS = proof.bytes(NONCE_BYTES);
    byte[] macS = proof.bytes(32);
    proof.end();
    if (!MessageDigest.isEqual(macS, mac(secret, "server", purpose, nonceC, nonceS))) {
      throw new AuthenticationException(
          what
              + " did not prove the shared secret (different "
              + "COHORT_SECRET on the two sides?)");
    }
    Frames.write(out, mac(secret, "client", purpose, nonceS, nonceC));
    FrameReader verdict = new FrameReader(Frames.read(in, MAX_FRAME, what), what);
    if (verdict.u8() != 0) {
      throw new AuthenticationException(what + " rejected this client: " + verdict.string());
    }
  }

  /**
   * Runs the server side. On failure, the client is told why before the caller closes the socket.
   *
   * @param what names the client in error messages
   */
  public static void server(
      DataInputStream in, DataOutputStream out, byte[] secret, Purpose purpose, String what)
      throws IOException {
    requireSecret(secret);
    FrameReader hello = new FrameReader(Frames.read(in, MAX_FRAME, what), what);
    int magic = hello.i32();
    int version = hello.i32();
    if (magic != MAGIC || version != VERSION) {
      String why =
          magic != MAGIC
              ? "not a Cohort client"
              : "protocol version "
                  + version
                  + " is not supported; this side speaks version "
                  + VERSION;
      Frames.write(out, new FrameWriter().i32(~MAGIC).string(why).toByteArray());
      checkMagicAndVersion(magic, version, what);
    }
    int purposeCode = hello.u8();
    if (purposeCode != purpose.ordinal()) {
      throw new ProtocolException(
          what
              + " asked for a "
              + purposeName(purposeCode)
              + " connection on a "
              + purpose
              + " port");
    }
    byte[] nonceC = hello.bytes(NONCE_BYTES);
    hello.end();
    byte[] nonceS = nonce();
    Frames.write(
        out,
        new FrameWriter()
            .i32(MAGIC)
            .i32(VERSION)
            .raw(nonceS)
            .raw(mac(secret, "server", purpose, nonceC, nonceS))
            .toByteArray());
    byte[] macC = Frames.read(in, MAX_FRAME, what);
    if (!MessageDigest.isEqual(macC, mac(secret, "client", purpose, nonceS, nonceC))) {
      Frames.write(out, new FrameWriter().u8(1).string("wrong shared secret").toByteArray());
      throw new AuthenticationException(
          what + " did not prove the shared secret; connection " + "refused");
    }
    Frames.write(out, new FrameWriter().u8(0).toByteArray());
  }

  private static void checkMagicAndVersion(int magic, int version, String what) {
    if (magic != MAGIC) {
      throw new ProtocolException(
          what + " is not a Cohort endpoint (bad magic 0x" + Integer.toHexString(magic) + ")");
    }
    if (version != VERSION) {
      throw new ProtocolException(
          what
              + " speaks protocol version "
              + version
              + ", this side "
              + VERSION
              + ": run the same Cohort version on every node");
    }
  }

  private static String purposeName(int code) {
    Purpose[] all = Purpose.values();
    return code >= 0 && code < all.length ? all[code].name() : "unknown (" + code + ")";
  }

  private static void requireSecret(byte[] secret) {
    if (secret == null || secret.length == 0) {
      throw new AuthenticationException(
          "no shared secret configured: set COHORT_SECRET or " + "COHORT_SECRET_FILE");
    }
  }

  private static byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    RANDOM.nextBytes(n);
    return n;
  }

  private static byte[] mac(byte[] secret, String role, Purpose purpose, byte[] a, byte[] b) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update(role.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) purpose.ordinal());
      mac.update(a);
      mac.update(b);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
