package dev.cohort.comm.seal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Encrypts what is written into records on a blocking stream: bytes gather until a record is full
 * or the stream is flushed, so each flushed frame leaves as whole records.
 */
final class SealedOutputStream extends OutputStream {
  private final OutputStream out;
  private final RecordCipher sender;
  private final ByteBuffer plain = ByteBuffer.allocate(RecordCipher.MAX_PLAIN_BYTES);
  private final ByteBuffer record = ByteBuffer.allocate(RecordCipher.MAX_RECORD_BYTES);

  SealedOutputStream(OutputStream out, RecordCipher sender) {
    this.out = out;
    this.sender = sender;
  }

  @Override
  public void write(int b) throws IOException {
    if (!plain.hasRemaining()) {
      emit();
    }
    plain.put((byte) b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (!plain.hasRemaining()) {
        emit();
      }
      int n = Math.min(len, plain.remaining());
      plain.put(b, off, n);
      off += n;
      len -= n;
    }
  }

  @Override
  public void flush() throws IOException {
    if (plain.position() > 0) {
      emit();
    }
    out.flush();
  }

  private void emit() throws IOException {
    plain.flip();
    record.clear();
    sender.seal(plain, record);
    out.write(record.array(), 0, record.position());
    plain.clear();
  }

  @Override
  public void close() throws IOException {
    flush();
    out.close();
  }
}
