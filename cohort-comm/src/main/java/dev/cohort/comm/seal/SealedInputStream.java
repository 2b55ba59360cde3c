package dev.cohort.comm.seal;

import dev.cohort.comm.ProtocolException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Decrypts records read from a blocking stream. Reads exactly one record at a time from the stream
 * below (its header, then its announced length), never more, so the socket can be handed to a
 * channel once the frames this stream was needed for have been read.
 */
final class SealedInputStream extends InputStream {
  private final DataInputStream in;
  private final RecordCipher receiver;
  private final String what;
  private final byte[] header = new byte[RecordCipher.HEADER_BYTES];
  private final byte[] record = new byte[RecordCipher.MAX_PLAIN_BYTES + RecordCipher.TAG_BYTES];
  private final ByteBuffer plain = ByteBuffer.allocate(RecordCipher.MAX_PLAIN_BYTES).flip();

  SealedInputStream(DataInputStream in, RecordCipher receiver, String what) {
    this.in = in;
    this.receiver = receiver;
    this.what = what;
  }

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return plain.get() & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, plain.remaining());
    plain.get(b, off, n);
    return n;
  }

  @Override
  public int available() {
    return plain.remaining();
  }

  /** Makes plaintext available; false at a clean end of stream (between records). */
  private boolean fill() throws IOException {
    while (!plain.hasRemaining()) {
      int first = in.read(header, 0, 1);
      if (first < 0) {
        return false;
      }
      try {
        in.readFully(header, 1, header.length - 1);
        int len = RecordCipher.cipherLength(ByteBuffer.wrap(header), what);
        in.readFully(record, 0, len);
        plain.clear();
        receiver.open(ByteBuffer.wrap(record, 0, len), plain, what);
        plain.flip();
      } catch (EOFException e) {
        throw new ProtocolException(what + " closed the connection in the middle of a record");
      }
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
