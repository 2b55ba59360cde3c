package dev.cohort.comm.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import org.junit.jupiter.api.Test;

class SendTransferTest {

  /** A pair that takes at most {@code chunk} bytes per write, as a full socket buffer would. */
  private static final class TrickleSink extends AbstractPair {
    final ByteArrayOutputStream taken = new ByteArrayOutputStream();
    final int chunk;
    int calls;

    TrickleSink(int chunk) {
      super(1, "test");
      this.chunk = chunk;
    }

    @Override
    public int write(ByteBuffer src) {
      calls++;
      int n = Math.min(chunk, src.remaining());
      for (int i = 0; i < n; i++) {
        taken.write(src.get());
      }
      return n;
    }

    @Override
    public String kind() {
      return "test";
    }

    @Override
    public int read(Inbound sink) {
      return 0;
    }

    @Override
    public void checkAlive() {}

    @Override
    public SelectableChannel waitChannel() {
      return null;
    }

    @Override
    public int waitOps(boolean receive) {
      return 0;
    }

    @Override
    public boolean prepareWait(boolean receive) {
      return true;
    }

    @Override
    public void finishWait() {}

    @Override
    public void close() {}
  }

  @Test
  void aGatheringWriteShouldStopAtTheFirstBufferNotWrittenInFull() throws IOException {
    TrickleSink pair = new TrickleSink(3);
    ByteBuffer a = ByteBuffer.wrap(new byte[] {1, 2});
    ByteBuffer b = ByteBuffer.wrap(new byte[] {3, 4, 5, 6});
    ByteBuffer c = ByteBuffer.wrap(new byte[] {7});
    assertThat(pair.write(new ByteBuffer[] {a, b, c})).isEqualTo(5);
    assertThat(b.remaining()).isEqualTo(1);
    assertThat(c.remaining()).isEqualTo(1);
    assertThat(pair.write(new ByteBuffer[] {a, b, c})).isEqualTo(2);
    assertThat(pair.taken.toByteArray()).containsExactly(1, 2, 3, 4, 5, 6, 7);
  }

  @Test
  void aMessageSentInTricklesShouldArriveAsHeaderPayloadAndPaddingInOrder() throws IOException {
    TrickleSink pair = new TrickleSink(5);
    ByteBuffer payload = ByteBuffer.wrap(new byte[] {9, 8, 7});
    SendTransfer send = new SendTransfer(pair, 4, 2, payload);
    int steps = 0;
    while (!send.done()) {
      assertThat(send.step()).isTrue();
      steps++;
    }
    byte[] wire = pair.taken.toByteArray();
    int padding = MessageHeader.padding(3);
    assertThat(wire).hasSize(MessageHeader.BYTES + 3 + padding);
    assertThat(MessageHeader.decode(ByteBuffer.wrap(wire, 0, MessageHeader.BYTES)))
        .isEqualTo(new MessageHeader(4, 2, 3));
    assertThat(ByteBuffer.wrap(wire, MessageHeader.BYTES, 3))
        .isEqualTo(ByteBuffer.wrap(new byte[] {9, 8, 7}));
    assertThat(payload.position()).isZero(); // the caller's buffer is left alone
    assertThat(steps).isGreaterThan(1);
    assertThat(send.step()).isFalse(); // nothing left to write
  }
}
