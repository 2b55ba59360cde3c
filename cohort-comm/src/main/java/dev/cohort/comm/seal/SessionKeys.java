package dev.cohort.comm.seal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two AES-256 keys of one connection, one per direction, derived with HKDF-SHA256 (RFC 5869)
 * from the shared secret, salted with both handshake nonces:
 *
 * <pre>
 * PRK = HMAC(nonceS | nonceC, secret)
 * key = HMAC(PRK, "cohort-v3 " direction | purpose | 0x01)      direction: "c2s" or "s2c"
 * </pre>
 *
 * Both nonces are fresh random values, so every connection, even between the same two processes,
 * gets keys never used before. Whoever holds the secret can derive them from a recorded handshake
 * (there is no ephemeral key exchange, hence no forward secrecy): keep the secret as private as the
 * data.
 *
 * @param clientToServer the key of what the connecting side sends
 * @param serverToClient the key of what the accepting side sends
 */
public record SessionKeys(byte[] clientToServer, byte[] serverToClient) {
  private static final int KEY_BYTES = 32;

  /** Derives the keys of a connection; {@code purpose} tells store and data connections apart. */
  public static SessionKeys derive(byte[] secret, int purpose, byte[] nonceS, byte[] nonceC) {
    byte[] salt = new byte[nonceS.length + nonceC.length];
    System.arraycopy(nonceS, 0, salt, 0, nonceS.length);
    System.arraycopy(nonceC, 0, salt, nonceS.length, nonceC.length);
    byte[] prk = hmac(salt, secret);
    return new SessionKeys(expand(prk, "c2s", purpose), expand(prk, "s2c", purpose));
  }

  private static byte[] expand(byte[] prk, String direction, int purpose) {
    byte[] label = ("cohort-v3 " + direction).getBytes(StandardCharsets.US_ASCII);
    byte[] info = new byte[label.length + 2];
    System.arraycopy(label, 0, info, 0, label.length);
    info[label.length] = (byte) purpose;
    info[label.length + 1] = 1; // HKDF block counter: one block of 32 bytes is the whole key
    byte[] okm = hmac(prk, info);
    return okm.length == KEY_BYTES ? okm : java.util.Arrays.copyOf(okm, KEY_BYTES);
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
