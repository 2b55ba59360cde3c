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
  private final ByteBuffer[] parts;

  /** Sends {@code payload} from its position to its limit; the caller's buffer is not modified. */
  public SendTransfer(Pair pair, int seq, int tag, ByteBuffer payload) {
    this.pair = pair;
    this.payload = payload.duplicate();
    this.total = this.payload.remaining();
    this.header = new MessageHeader(seq, tag, total).encode();
    this.pad = ZEROS.duplicate().limit(MessageHeader.padding(total));
    this.parts = new ByteBuffer[] {header, this.payload, pad};
  }

  @Override
  public boolean step() throws IOException {
    // Header, payload and padding in one gathering write: a header sent alone would be a segment of
    // its own that wakes the receiver for nothing.
    return pair.write(parts) > 0;
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
