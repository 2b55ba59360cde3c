package dev.cohort.train.ddp;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.train.BufferSync;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Makes the buffers identical on every rank after a step ({@link BufferSync}): all of them packed
 * into one tensor, so that a model with many BatchNorm layers pays one collective, not one per
 * tensor.
 */
final class Buffers {
  private final ProcessGroup pg;
  private final BufferSync mode;
  private final List<ModelState.Entry> buffers;
  private final Tensor packed;

  Buffers(ProcessGroup pg, BufferSync mode, ModelState state) {
    this.pg = pg;
    this.mode = mode;
    this.buffers = state.buffers();
    long elements = buffers.stream().mapToLong(ModelState.Entry::elements).sum();
    this.packed =
        buffers.isEmpty() || pg.size() == 1
            ? null
            : pg.allocate(DataType.FLOAT32, Math.toIntExact(elements));
  }

  /** Bytes moved per synchronization (0 without buffers or with one rank). */
  int bytes() {
    return packed == null ? 0 : packed.byteSize();
  }

  /** Broadcasts or averages the buffers. Collective (a no-op for a model without buffers). */
  void sync() {
    if (packed == null) {
      return;
    }
    ByteBuffer all = packed.bytes();
    int at = 0;
    for (ModelState.Entry e : buffers) {
      ByteBuffer v = e.view();
      all.put(at, v, 0, v.capacity());
      at += v.capacity();
    }
    if (mode == BufferSync.BROADCAST) {
      pg.broadcast(packed, 0);
    } else {
      pg.allReduce(packed, ReduceOp.AVG);
    }
    at = 0;
    for (ModelState.Entry e : buffers) {
      ByteBuffer v = e.view();
      v.put(0, all, at, v.capacity());
      at += v.capacity();
    }
  }
}
