package dev.cohort.comm.transport.shm;

import dev.cohort.comm.transport.Inbound;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A single-producer single-consumer byte ring in shared memory. The writer owns {@code tail}
 * (bytes ever written), the reader owns {@code head} (bytes ever consumed); each publishes its
 * counter with a release store and reads the other's with an acquire load, which orders the data
 * copies against the counter updates across processes. The two counters sit on separate cache
 * lines so the two sides do not fight over one line.
 *
 * <p>Layout at {@code controlOffset}: tail (8 bytes), padding to 128, head (8 bytes), padding to
 * {@link #CONTROL_BYTES}; the data area follows.
 */
final class ShmRing {
  static final int CONTROL_BYTES = 256;
  private static final int TAIL = 0;
  private static final int HEAD = 128;
  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

  private final ByteBuffer map;
  private final int control;
  private final int data;
  private final int capacity;
  /** This side's own counter, cached: tail for the writer, head for the reader. */
  private long mine;

  ShmRing(ByteBuffer map, int controlOffset, int capacity) {
    this.map = map;
    this.control = controlOffset;
    this.data = controlOffset + CONTROL_BYTES;
    this.capacity = capacity;
  }

  /** Writer side: copies what fits of {@code src} into the ring. */
  int write(ByteBuffer src) {
    long head = (long) LONGS.getAcquire(map, control + HEAD);
    int free = capacity - (int) (mine - head);
    int n = Math.min(free, src.remaining());
    if (n == 0) {
      return 0;
    }
    int idx = (int) (mine % capacity);
    int first = Math.min(n, capacity - idx);
    map.put(data + idx, src, src.position(), first);
    if (first < n) {
      map.put(data, src, src.position() + first, n - first);
    }
    src.position(src.position() + n);
    mine += n;
    LONGS.setRelease(map, control + TAIL, mine);
    return n;
  }

  /**
   * Reader side: hands arrived bytes to {@code sink}. Elements never straddle the wrap point
   * because the capacity is a multiple of 8 and every message starts 8-aligned.
   */
  int read(Inbound sink) {
    long tail = (long) LONGS.getAcquire(map, control + TAIL);
    int n = (int) Math.min(tail - mine, sink.remaining());
    if (n < sink.remaining()) {
      n -= n % sink.granule();
    }
    if (n == 0) {
      return 0;
    }
    int idx = (int) (mine % capacity);
    int first = Math.min(n, capacity - idx);
    sink.accept(map.slice(data + idx, first).order(ByteOrder.nativeOrder()));
    if (first < n) {
      sink.accept(map.slice(data, n - first).order(ByteOrder.nativeOrder()));
    }
    mine += n;
    LONGS.setRelease(map, control + HEAD, mine);
    return n;
  }

  static int footprint(int capacity) {
    return CONTROL_BYTES + capacity;
  }
}
