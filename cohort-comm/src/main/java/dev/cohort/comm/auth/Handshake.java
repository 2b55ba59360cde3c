package dev.cohort.comm.auth;

import dev.cohort.comm.AuthenticationException;
import dev.cohort.comm.ProtocolException;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.seal.Session;
import dev.cohort.comm.seal.SessionKeys;
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
 * trusted. Both sides prove they hold the shared secret without sending it. The connecting side
 * proves first: the accepting side, which anyone who can reach the port may talk to, sends nothing
 * derived from the secret until the connecting side has proved it, so an unauthenticated client
 * learns nothing to test guesses against. (Whichever side proves first gives the other such a
 * value; that is why secrets must have at least {@link dev.cohort.comm.Secrets#MIN_BYTES} bytes,
 * too many to guess offline.) Fresh nonces on both sides make a recorded exchange useless for
 * replay; the role and the purpose are inside every MAC, so a proof cannot be reflected back or
 * reused on another kind of port. The protocol version is checked in the same exchange, so an old
 * peer fails with a clear message instead of misreading frames.
 *
 * <pre>
 * client -> server  HELLO      magic, version, purpose, wantC
 * server -> client  CHALLENGE  magic, version, nonceS[32]             (or ~magic, reason; closes)
 * client -> server  PROOF      nonceC[32], HMAC(k, "client" | purpose | wantC | nonceS | nonceC)
 * server -> client  VERDICT    0, agreed, HMAC(k, "server" | purpose | agreed | nonceC | nonceS)
 *                              or 1, reason, and the server closes
 * </pre>
 *
 * The CHALLENGE is the same for every secret: magic, version and 32 random bytes. The server checks
 * the client's MAC before it computes its own; the client checks the server's before it trusts the
 * connection.
 *
 * <p>{@code wantC} says whether the client asks for encryption; {@code agreed} is 1 if either side
 * asked. Both are inside the MACs, so no one on the path can strip encryption: a changed {@code
 * wantC} fails the client's proof, a changed {@code agreed} the server's. With {@code agreed} set,
 * every later byte in both directions travels in AES-256-GCM records under keys derived from the
 * secret and both nonces ({@link SessionKeys}).
 */
public final class Handshake {
  public static final int MAGIC = 0x434F4854; // "COHT"
  public static final int VERSION = 3;

  /**
   * How long the accepting side gives a new connection to finish the whole handshake, by the wall
   * clock (see {@link DeadlineInputStream}); a correct peer needs a few round trips.
   */
  public static final Duration DEADLINE = Duration.ofSeconds(5);

  static final int NONCE_BYTES = 32;
  private static final int MAC_BYTES = 32;
  private static final int MAX_FRAME = 256;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What the connection is for; a proof for one purpose is not valid for another. */
  public enum Purpose {
    STORE,
    DATA
  }

  private Handshake() {}

  /**
   * Runs the connecting side.
   *
   * @param encrypt whether this side asks for encryption (see {@link
   *     dev.cohort.comm.Encryption#wantedFor})
   * @param what names the server in error messages
   * @return what the two sides agreed for the rest of the connection
   * @throws AuthenticationException if our secret is missing or too short, the server rejects our
   *     proof, or it does not prove the secret itself
   * @throws ProtocolException on a version mismatch, a refusal or a malformed frame
   */
  public static Session client(
      DataInputStream in,
      DataOutputStream out,
      byte[] secret,
      Purpose purpose,
      boolean encrypt,
      String what)
      throws IOException {
    requireSecret(secret);
    int wantC = encrypt ? 1 : 0;
    Frames.write(
        out,
        new FrameWriter().i32(MAGIC).i32(VERSION).u8(purpose.ordinal()).u8(wantC).toByteArray());
    // CHALLENGE: the server's nonce, nothing else.
    FrameReader challenge = new FrameReader(Frames.read(in, MAX_FRAME, what), what);
    int magic = challenge.i32();
    if (magic == ~MAGIC) {
      throw new ProtocolException(what + " refused the connection: " + challenge.string());
    }
    checkMagicAndVersion(magic, challenge.i32(), what);
    byte[] nonceS = challenge.bytes(NONCE_BYTES);
    challenge.end();
    // PROOF: ours first.
    byte[] nonceC = nonce();
    Frames.write(
        out,
        new FrameWriter()
            .raw(nonceC)
            .raw(mac(secret, "client", purpose, wantC, nonceS, nonceC))
            .toByteArray());
    // VERDICT: accepted with the server's proof, or refused with a reason.
    FrameReader verdict = new FrameReader(Frames.read(in, MAX_FRAME, what), what);
    if (verdict.u8() != 0) {
      throw new AuthenticationException(
          what
              + " rejected this client: "
              + verdict.string()
              + " (different COHORT_SECRET on the two sides?)");
    }
    int agreed = verdict.u8();
    byte[] macS = verdict.bytes(MAC_BYTES);
    verdict.end();
    if (!MessageDigest.isEqual(macS, mac(secret, "server", purpose, agreed, nonceC, nonceS))) {
      throw new AuthenticationException(
          what + " did not prove the shared secret (different COHORT_SECRET on the two sides?)");
    }
    if (agreed != (agreed | wantC) || agreed > 1) {
      throw new ProtocolException(
          what + " answered encryption " + agreed + " to a request " + wantC);
    }
    return session(agreed, secret, purpose, nonceS, nonceC, true);
  }

  /**
   * Runs the accepting side. On failure, the client is told why (never anything derived from the
   * secret) before the caller closes the socket.
   *
   * @param encrypt whether this side asks for encryption
   * @param what names the client in error messages
   * @return what the two sides agreed for the rest of the connection
   * @throws AuthenticationException if the client's proof is wrong
   * @throws ProtocolException on a version or purpose mismatch or a malformed frame
   */
  public static Session server(
      DataInputStream in,
      DataOutputStream out,
      byte[] secret,
      Purpose purpose,
      boolean encrypt,
      String what)
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
      refuse(out, why);
      checkMagicAndVersion(magic, version, what);
    }
    int purposeCode = hello.u8();
    int wantC = hello.u8();
    hello.end();
    if (wantC > 1) {
      refuse(out, "unknown encryption request " + wantC);
      throw new ProtocolException(what + " sent an unknown encryption request " + wantC);
    }
    if (purposeCode != purpose.ordinal()) {
      String why =
          "asked for a " + purposeName(purposeCode) + " connection on a " + purpose + " port";
      refuse(out, why);
      throw new ProtocolException(what + " " + why);
    }
    // CHALLENGE: independent of the secret.
    byte[] nonceS = nonce();
    Frames.write(out, new FrameWriter().i32(MAGIC).i32(VERSION).raw(nonceS).toByteArray());
    // PROOF: the client's, checked before we compute anything of our own.
    FrameReader proof = new FrameReader(Frames.read(in, MAX_FRAME, what), what);
    byte[] nonceC = proof.bytes(NONCE_BYTES);
    byte[] macC = proof.bytes(MAC_BYTES);
    proof.end();
    if (!MessageDigest.isEqual(macC, mac(secret, "client", purpose, wantC, nonceS, nonceC))) {
      Frames.write(out, new FrameWriter().u8(1).string("wrong shared secret").toByteArray());
      throw new AuthenticationException(
          what + " did not prove the shared secret; connection refused");
    }
    // VERDICT: accepted, with what was agreed and our proof.
    int agreed = wantC | (encrypt ? 1 : 0);
    Frames.write(
        out,
        new FrameWriter()
            .u8(0)
            .u8(agreed)
            .raw(mac(secret, "server", purpose, agreed, nonceC, nonceS))
            .toByteArray());
    return session(agreed, secret, purpose, nonceS, nonceC, false);
  }

  private static Session session(
      int agreed, byte[] secret, Purpose purpose, byte[] nonceS, byte[] nonceC, boolean client) {
    return agreed == 0
        ? Session.plain()
        : Session.encrypted(SessionKeys.derive(secret, purpose.ordinal(), nonceS, nonceC), client);
  }

  private static void refuse(DataOutputStream out, String why) throws IOException {
    Frames.write(out, new FrameWriter().i32(~MAGIC).string(why).toByteArray());
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
          "no shared secret configured: set COHORT_SECRET or COHORT_SECRET_FILE");
    }
    Secrets.requireStrong(secret);
  }

  private static byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    RANDOM.nextBytes(n);
    return n;
  }

  static byte[] mac(byte[] secret, String role, Purpose purpose, int flags, byte[] a, byte[] b) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update(role.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) purpose.ordinal());
      mac.update((byte) flags);
      mac.update(a);
      mac.update(b);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
