package dev.cohort.comm.transport;

import dev.cohort.comm.CollectiveMismatchException;
import dev.cohort.comm.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Receives one message: checks its header against what this rank expects, then hands the payload to
 * an {@link Inbound} and drops the padding.
 */
public final class RecvTransfer implements Transfer {
  private final Pair pair;
  private final MessageHeader expected;
  private final Inbound payload;
  private final int total;
  private final ByteBuffer headerBytes = ByteBuffer.allocate(MessageHeader.BYTES);
  private final Inbound header = new CopyInbound(headerBytes);
  private final Inbound pad;
  private boolean headerChecked;

  public RecvTransfer(Pair pair, int seq, int tag, Inbound payload) {
    this.pair = pair;
    this.payload = payload;
    this.total = payload.remaining();
    this.expected = new MessageHeader(seq, tag, total);
    this.pad = new CopyInbound(ByteBuffer.allocate(MessageHeader.padding(total)));
  }

  @Override
  public boolean step() throws IOException {
    int n = 0;
    if (!headerChecked) {
      n += pair.read(header);
      if (header.remaining() > 0) {
        return n > 0;
      }
      check(MessageHeader.decode(headerBytes));
      headerChecked = true;
    }
    while (payload.remaining() > 0) {
      int got = pair.read(payload);
      if (got == 0) {
        return n > 0;
      }
      n += got;
    }
    n += pair.read(pad);
    return n > 0;
  }

  private void check(MessageHeader got) {
    if (got == null) {
      throw new ProtocolException(
          "rank "
              + pair.peerRank()
              + " ("
              + pair.peerAddress()
              + ") sent bytes that are not a Cohort message header");
    }
    if (!got.equals(expected)) {
      throw new CollectiveMismatchException(
          "rank "
              + pair.peerRank()
              + " ("
              + pair.peerAddress()
              + ") sent message #"
              + got.seq()
              + " tag "
              + got.tag()
              + " of "
              + got.length()
              + " bytes where this rank expected #"
              + expected.seq()
              + " tag "
              + expected.tag()
              + " of "
              + expected.length()
              + " bytes: the ranks issued different collectives, or the same "
              + "collective with different sizes");
    }
  }

  @Override
  public boolean done() {
    return headerChecked && payload.remaining() == 0 && pad.remaining() == 0;
  }

  @Override
  public Pair pair() {
    return pair;
  }

  @Override
  public boolean isReceive() {
    return true;
  }

  @Override
  public long payloadBytes() {
    return total;
  }

  @Override
  public String progress() {
    return "receiving " + total + " bytes, " + (total - payload.remaining()) + " done";
  }
}
