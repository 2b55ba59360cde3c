package dev.cohort.comm.transport.tcp;

import dev.cohort.comm.seal.RecordCipher;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * AES-GCM records ({@link RecordCipher}) over a non-blocking socket.
 *
 * <p>Sending: the next record is sealed from the caller's bytes and written out; the caller's
 * buffer advances only once the whole record has left, so a send that stops half way (full socket
 * buffer) resumes with the same record on the next call, which starts at the same stream position
 * by the {@link dev.cohort.comm.transport.Pair} contract.
 *
 * <p>Receiving: ciphertext gathers in a buffer; each complete record is opened into a plaintext
 * buffer from which reads are served. A record is opened only when the plaintext buffer is empty,
 * so the reader never holds more than one record of plaintext.
 */
final class SealedConduit implements Conduit {
  private final SocketChannel channel;
  private final RecordCipher sender;
  private final RecordCipher receiver;
  private final String what;

  /** The record being sent, in read mode; empty when none is pending. */
  private final ByteBuffer outgoing = ByteBuffer.allocateDirect(RecordCipher.MAX_RECORD_BYTES);

  /** Plaintext bytes sealed into {@link #outgoing}; 0 when no record is pending. */
  private int outgoingPlain;

  /** Received ciphertext, in write mode. */
  private final ByteBuffer incoming = ByteBuffer.allocateDirect(RecordCipher.MAX_RECORD_BYTES);

  /** Opened plaintext not yet read, in read mode. */
  private final ByteBuffer plain = ByteBuffer.allocateDirect(RecordCipher.MAX_PLAIN_BYTES).flip();

  SealedConduit(SocketChannel channel, RecordCipher sender, RecordCipher receiver, String what) {
    this.channel = channel;
    this.sender = sender;
    this.receiver = receiver;
    this.what = what;
    outgoing.flip();
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (outgoingPlain == 0) {
      int n = Math.min(src.remaining(), RecordCipher.MAX_PLAIN_BYTES);
      if (n == 0) {
        return 0;
      }
      outgoing.clear();
      sender.seal(src.slice(src.position(), n), outgoing);
      outgoing.flip();
      outgoingPlain = n;
    }
    channel.write(outgoing);
    if (outgoing.hasRemaining()) {
      return 0;
    }
    int n = outgoingPlain;
    outgoingPlain = 0;
    src.position(src.position() + n);
    return n;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!plain.hasRemaining() && !openRecord()) {
      if (channel.read(incoming) < 0) {
        if (incoming.position() > 0) {
          throw new EOFException(what + " closed the connection in the middle of a record");
        }
        return -1;
      }
      if (!openRecord()) {
        return 0;
      }
    }
    int n = Math.min(plain.remaining(), dst.remaining());
    dst.put(plain.slice(plain.position(), n));
    plain.position(plain.position() + n);
    return n;
  }

  @Override
  public boolean hasBuffered() {
    return plain.hasRemaining() || completeRecord() > 0;
  }

  /** Opens the record at the head of {@link #incoming} if it is complete. */
  private boolean openRecord() {
    int len = completeRecord();
    if (len == 0) {
      return false;
    }
    incoming.flip();
    incoming.position(RecordCipher.HEADER_BYTES);
    plain.clear();
    receiver.open(incoming.slice(incoming.position(), len), plain, what);
    plain.flip();
    incoming.position(RecordCipher.HEADER_BYTES + len);
    incoming.compact();
    return true;
  }

  /** The ciphertext length of the complete record at the head of {@link #incoming}, or 0. */
  private int completeRecord() {
    if (incoming.position() < RecordCipher.HEADER_BYTES) {
      return 0;
    }
    int len = RecordCipher.cipherLength(incoming.duplicate().position(0), what);
    return incoming.position() >= RecordCipher.HEADER_BYTES + len ? len : 0;
  }
}
