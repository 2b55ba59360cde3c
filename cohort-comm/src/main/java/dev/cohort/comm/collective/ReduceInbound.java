package dev.cohort.comm.collective;

import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.transport.Inbound;
import java.nio.ByteBuffer;

/** Receives a peer's elements by reducing them straight into a tensor, as they arrive. */
final class ReduceInbound implements Inbound {
  private final Tensor acc;
  private final ReduceOp op;
  private final ByteBuffer accBytes;
  private int doneBytes;

  ReduceInbound(Tensor acc, ReduceOp op) {
    this.acc = acc;
    this.op = op;
    this.accBytes = acc.bytes();
  }

  @Override
  public int remaining() {
    return acc.byteSize() - doneBytes;
  }

  @Override
  public int granule() {
    return acc.type().bytes();
  }

  @Override
  public void accept(ByteBuffer src) {
    int n = src.remaining();
    Reductions.reduceInto(
        acc.type(), op, accBytes, doneBytes, src, src.position(), n / acc.type().bytes());
    doneBytes += n;
  }
}
