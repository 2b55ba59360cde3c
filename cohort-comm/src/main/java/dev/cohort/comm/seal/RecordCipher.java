package dev.cohort.comm.seal;

import dev.cohort.comm.ProtocolException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction of an encrypted connection: AES-256-GCM records under one key, numbered from 0.
 *
 * <pre>
 * record  length u32 (big-endian: ciphertext and tag), ciphertext, tag[16]
 * nonce   4 zero bytes, record number u64 (big-endian)
 * AAD     the length field
 * </pre>
 *
 * Each direction of each connection has its own key ({@link SessionKeys}), so a counter nonce never
 * repeats under a key. The receiver's counter must match the sender's: a record dropped, replayed,
 * reordered or moved from another connection fails authentication, as does any changed bit. The
 * length is checked against {@link #MAX_PLAIN_BYTES} before anything is read or allocated.
 *
 * <p>Not thread-safe: one stream or channel owns each direction.
 */
public final class RecordCipher {
  public static final int HEADER_BYTES = 4;
  public static final int TAG_BYTES = 16;

  /** Largest plaintext in one record. */
  public static final int MAX_PLAIN_BYTES = 1 << 16;

  /** Largest record on the wire, header included. */
  public static final int MAX_RECORD_BYTES = HEADER_BYTES + MAX_PLAIN_BYTES + TAG_BYTES;

  private static final int NONCE_BYTES = 12;

  private final Cipher cipher;
  private final SecretKeySpec key;
  private final int mode;
  private final byte[] nonce = new byte[NONCE_BYTES];
  private final byte[] aad = new byte[HEADER_BYTES];
  private long counter;

  private RecordCipher(byte[] key, int mode) {
    this.key = new SecretKeySpec(key, "AES");
    this.mode = mode;
    try {
      this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is missing from this JDK", e);
    }
  }

  /** The sending side of a direction. */
  static RecordCipher sealer(byte[] key) {
    return new RecordCipher(key, Cipher.ENCRYPT_MODE);
  }

  /** The receiving side of a direction. */
  static RecordCipher opener(byte[] key) {
    return new RecordCipher(key, Cipher.DECRYPT_MODE);
  }

  /**
   * Seals all of {@code plain}'s remaining bytes (at most {@link #MAX_PLAIN_BYTES}) into one record
   * appended to {@code out}, advancing both.
   */
  public void seal(ByteBuffer plain, ByteBuffer out) {
    int n = plain.remaining();
    if (n > MAX_PLAIN_BYTES || out.remaining() < HEADER_BYTES + n + TAG_BYTES) {
      throw new IllegalArgumentException("record of " + n + " bytes does not fit");
    }
    putLength(n + TAG_BYTES);
    out.put(aad);
    try {
      start();
      cipher.doFinal(plain, out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed to seal a record", e);
    }
  }

  /**
   * The ciphertext length announced by the record header at {@code header}'s position (which is not
   * moved), checked against the bound.
   *
   * @param what names the connection in the error
   * @throws ProtocolException if the length is out of bounds
   */
  public static int cipherLength(ByteBuffer header, String what) {
    int p = header.position();
    int len =
        (header.get(p) & 0xff) << 24
            | (header.get(p + 1) & 0xff) << 16
            | (header.get(p + 2) & 0xff) << 8
            | (header.get(p + 3) & 0xff);
    if (len < TAG_BYTES || len > MAX_PLAIN_BYTES + TAG_BYTES) {
      throw new ProtocolException(
          what
              + " sent an encrypted record of "
              + Integer.toUnsignedString(len)
              + " bytes, outside "
              + TAG_BYTES
              + "-"
              + (MAX_PLAIN_BYTES + TAG_BYTES)
              + "; closing the connection");
    }
    return len;
  }

  /**
   * Opens the next record: {@code record} holds its ciphertext and tag (header already read and
   * checked by {@link #cipherLength}); the plaintext is appended to {@code out}.
   *
   * @param what names the connection in the error
   * @throws ProtocolException if the record fails authentication
   */
  public void open(ByteBuffer record, ByteBuffer out, String what) {
    putLength(record.remaining());
    try {
      start();
      cipher.doFinal(record, out);
    } catch (AEADBadTagException e) {
      throw new ProtocolException(
          what
              + " sent record "
              + (counter - 1)
              + " that failed authentication (altered, replayed or reordered on the way, or "
              + "another key); closing the connection");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed to open a record", e);
    }
  }

  private void putLength(int len) {
    aad[0] = (byte) (len >>> 24);
    aad[1] = (byte) (len >>> 16);
    aad[2] = (byte) (len >>> 8);
    aad[3] = (byte) len;
  }

  /** Initializes the cipher for the next record number, with the length field as AAD. */
  private void start() throws GeneralSecurityException {
    if (counter == -1L) {
      throw new IllegalStateException("2^64 records on one connection: reconnect");
    }
    long c = counter++;
    for (int i = 0; i < 8; i++) {
      nonce[NONCE_BYTES - 1 - i] = (byte) (c >>> (8 * i));
    }
    cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
    cipher.updateAAD(aad);
  }
}
