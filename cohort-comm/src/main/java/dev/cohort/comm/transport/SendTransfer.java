package dev.cohort.comm.transport;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Sends header, payload and padding of one message. */
public final class SendTransfer implements Transfer {
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(8);

  private final Pair pair;
  private final ByteBuffer header;
  private final ByteBuffer payload;
  private final ByteBuffer pad;
  private final int total;

  /** Sends {@code payload} from its position to its limit; the caller's buffer is not modified. */
  public SendTransfer(Pair pair, int seq, int tag, ByteBuffer payload) {
    this.pair = pair;
    this.payload = payload.duplicate();
    this.total = this.payload.remaining();
    this.header = new MessageHeader(seq, tag, total).encode();
    this.pad = ZEROS.duplicate().limit(MessageHeader.padding(total));
  }

  @Override
  public boolean step() throws IOException {
    int n = 0;
    if (header.hasRemaining()) {
      n += pair.write(header);
      if (header.hasRemaining()) {
        return n > 0;
      }
    }
    if (payload.hasRemaining()) {
      n += pair.write(payload);
      if (payload.hasRemaining()) {
        return n > 0;
      }
    }
    if (pad.hasRemaining()) {
      n += pair.write(pad);
    }
    return n > 0;
  }

  @Override
  public boolean done() {
    return !pad.hasRemaining() && !payload.hasRemaining() && !header.hasRemaining();
  }

  @Override
  public Pair pair() {
    return pair;
  }

  @Override
  public boolean isReceive() {
    return false;
  }

  @Override
  public long payloadBytes() {
    return total;
  }

  @Override
  public String progress() {
    return "sending " + total + " bytes, " + (total - payload.remaining()) + " done";
  }
}
