package dev.cohort.comm.auth;

import dev.cohort.comm.auth.Handshake.Purpose;
import dev.cohort.comm.wire.FrameWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;

/**
 * Hostile clients for the fuzz test, one connection each: garbage, frames that lie about their
 * length, truncated or altered handshakes, proofs with a wrong MAC, replayed proofs, and after a
 * genuine handshake, malformed or forged frames and records. Each case plays its part and returns
 * what a correct server must have done.
 */
final class FuzzCases {
  /** What a correct server does to a hostile client. */
  enum Expect {
    /** Closes the connection (possibly after a refusal) without accepting anything. */
    CLOSED,
    /** Answers the proof with a refusal (verdict 1), then closes. */
    REFUSED
  }

  static final int KINDS = 9;

  private final byte[] secret;
  private final Purpose purpose;
  private final byte[] recordedProof;

  /**
   * @param recordedProof a PROOF frame's payload from a genuine earlier exchange, to replay
   */
  FuzzCases(byte[] secret, Purpose purpose, byte[] recordedProof) {
    this.secret = secret;
    this.purpose = purpose;
    this.recordedProof = recordedProof;
  }

  /** Plays case {@code kind} (0 to {@link #KINDS} - 1) on a fresh connection. */
  Expect play(int kind, Random r, DataInputStream in, DataOutputStream out) throws IOException {
    switch (kind) {
      case 0 -> { // garbage of any length, possibly empty
        out.write(bytes(r, r.nextInt(300)));
        out.flush();
        return Expect.CLOSED;
      }
      case 1 -> { // a frame that claims more than any bound
        out.writeInt(r.nextBoolean() ? Integer.MAX_VALUE : -1 - r.nextInt(1000));
        out.write(bytes(r, r.nextInt(64)));
        out.flush();
        return Expect.CLOSED;
      }
      case 2 -> { // a HELLO cut short
        byte[] hello = frame(hello(purpose.ordinal(), 0));
        out.write(hello, 0, r.nextInt(hello.length));
        out.flush();
        return Expect.CLOSED;
      }
      case 3 -> { // a HELLO with one byte changed (magic, version, purpose or request)
        byte[] hello = hello(purpose.ordinal(), 0);
        hello[r.nextInt(hello.length)] ^= (byte) (1 + r.nextInt(255));
        out.write(frame(hello));
        out.flush();
        return Expect.CLOSED;
      }
      case 4, 5 -> { // a genuine HELLO, then a proof with a wrong MAC (random, or one bit off)
        byte[] nonceS = challenge(in, out, kind == 4 ? r.nextInt(2) : 0);
        byte[] nonceC = bytes(r, Handshake.NONCE_BYTES);
        byte[] mac =
            kind == 4
                ? bytes(r, 32)
                : Handshake.mac(secret, "client", purpose, 0, nonceS, nonceC).clone();
        if (kind == 5) {
          mac[r.nextInt(mac.length)] ^= (byte) (1 << r.nextInt(8));
        }
        out.write(frame(new FrameWriter().raw(nonceC).raw(mac).toByteArray()));
        out.flush();
        return Expect.REFUSED;
      }
      case 6 -> { // a genuine HELLO, then a proof recorded from another connection
        challenge(in, out, 0);
        out.write(frame(recordedProof));
        out.flush();
        return Expect.REFUSED;
      }
      case 7 -> { // a genuine handshake (plain), then a frame of garbage or an oversized one
        Handshake.client(in, out, secret, purpose, false, "fuzz");
        if (r.nextBoolean()) {
          out.writeInt(Integer.MAX_VALUE - r.nextInt(1000));
        } else {
          // Not 8 bytes: to a data listener, 8 bytes are a well-formed rank and world size, which
          // an authenticated peer may send (a wrong one fails the group on purpose, loudly).
          int n = 1 + r.nextInt(40);
          out.write(frame(bytes(r, n == 8 ? 9 : n)));
        }
        out.flush();
        return Expect.CLOSED;
      }
      case 8 -> { // a genuine encrypted handshake, then a forged record (its MAC cannot match)
        Handshake.client(in, out, secret, purpose, true, "fuzz");
        int len = 16 + r.nextInt(200);
        out.writeInt(len);
        out.write(bytes(r, len - (r.nextInt(4) == 0 ? 1 : 0))); // sometimes cut short too
        out.flush();
        return Expect.CLOSED;
      }
      default -> throw new IllegalArgumentException("kind " + kind);
    }
  }

  /** Sends a genuine HELLO and returns the server's nonce. */
  private byte[] challenge(DataInputStream in, DataOutputStream out, int want) throws IOException {
    out.write(frame(hello(purpose.ordinal(), want)));
    out.flush();
    int len = in.readInt();
    byte[] challenge = new byte[len];
    in.readFully(challenge);
    byte[] nonce = new byte[Handshake.NONCE_BYTES];
    System.arraycopy(challenge, 8, nonce, 0, nonce.length);
    return nonce;
  }

  static byte[] hello(int purpose, int want) {
    return new FrameWriter()
        .i32(Handshake.MAGIC)
        .i32(Handshake.VERSION)
        .u8(purpose)
        .u8(want)
        .toByteArray();
  }

  static byte[] frame(byte[] payload) {
    byte[] f = new byte[4 + payload.length];
    f[0] = (byte) (payload.length >>> 24);
    f[1] = (byte) (payload.length >>> 16);
    f[2] = (byte) (payload.length >>> 8);
    f[3] = (byte) payload.length;
    System.arraycopy(payload, 0, f, 4, payload.length);
    return f;
  }

  private static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }
}
