package dev.cohort.comm.seal;

import java.io.DataInputStream;
import java.io.DataOutputStream;

/**
 * What a finished handshake agreed for the rest of the connection: plain bytes, or encrypted
 * records under this connection's keys. Wraps the blocking streams used for store frames and group
 * formation; {@link #sender()} and {@link #receiver()} carry on, record numbers and all, on the
 * non-blocking channel that tensors use afterwards.
 */
public final class Session {
  private static final Session PLAIN = new Session(null, null);

  private final RecordCipher sender;
  private final RecordCipher receiver;

  private Session(RecordCipher sender, RecordCipher receiver) {
    this.sender = sender;
    this.receiver = receiver;
  }

  /** A connection without encryption. */
  public static Session plain() {
    return PLAIN;
  }

  /** An encrypted connection, as seen from the connecting side ({@code client}) or the other. */
  public static Session encrypted(SessionKeys keys, boolean client) {
    byte[] send = client ? keys.clientToServer() : keys.serverToClient();
    byte[] receive = client ? keys.serverToClient() : keys.clientToServer();
    return new Session(RecordCipher.sealer(send), RecordCipher.opener(receive));
  }

  public boolean encrypted() {
    return sender != null;
  }

  /** Seals what this side sends; null when not encrypted. */
  public RecordCipher sender() {
    return sender;
  }

  /** Opens what this side receives; null when not encrypted. */
  public RecordCipher receiver() {
    return receiver;
  }

  /**
   * Frames read from {@code in} from now on: decrypted if this session is encrypted. The wrapper
   * never reads past the record it needs, so a channel can take over the socket afterwards.
   *
   * @param what names the peer in error messages
   */
  public DataInputStream input(DataInputStream in, String what) {
    return encrypted() ? new DataInputStream(new SealedInputStream(in, receiver, what)) : in;
  }

  /** Frames written to {@code out} from now on: one record per flush if encrypted. */
  public DataOutputStream output(DataOutputStream out) {
    return encrypted() ? new DataOutputStream(new SealedOutputStream(out, sender)) : out;
  }

  /** "encrypted (AES-256-GCM)" or "plain", for start-up tables and errors. */
  @Override
  public String toString() {
    return encrypted() ? "encrypted (AES-256-GCM)" : "plain";
  }
}
