package dev.cohort.comm.transport.shm;

import dev.cohort.comm.transport.Inbound;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.BooleanSupplier;

/**
 * A single-producer single-consumer byte ring in shared memory. The writer owns {@code tail} (bytes
 * ever written), the reader owns {@code head} (bytes ever consumed); each publishes its counter
 * with a release store and reads the other's with an acquire load, which orders the data copies
 * against the counter updates across processes. The two counters sit on separate cache lines so the
 * two sides do not fight over one line.
 *
 * <p>Sleeping: a side that cannot move raises its "waiting" flag, issues a full fence, and checks
 * the ring once more before it sleeps on the pair's socket; the other side, after publishing its
 * counter, issues a full fence and reads the flag. One of the two always sees the other (the Dekker
 * pattern), so a wake-up is never lost, and no syscall is made while both sides are busy.
 *
 * <p>Layout at {@code controlOffset}, one 64-byte line each: tail, reader-waiting flag, head,
 * writer-waiting flag; the data area follows at {@link #CONTROL_BYTES}.
 */
final class ShmRing {
  static final int CONTROL_BYTES = 256;

  /** Granularity of publication: small enough to pipeline, large enough to amortize the fences. */
  static final int PUBLISH_BYTES = 128 * 1024;

  private static final int TAIL = 0;
  private static final int READER_WAITING = 64;
  private static final int HEAD = 128;
  private static final int WRITER_WAITING = 192;
  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

  private final ByteBuffer map;
  private final int control;
  private final int data;
  private final int capacity;

  /** This side's own counter, cached: tail for the writer, head for the reader. */
  private long mine;

  private boolean wakePeer;

  ShmRing(ByteBuffer map, int controlOffset, int capacity) {
    this.map = map;
    this.control = controlOffset;
    this.data = controlOffset + CONTROL_BYTES;
    this.capacity = capacity;
  }

  /**
   * Writer side: copies what fits of {@code src} into the ring, publishing every {@value
   * #PUBLISH_BYTES} bytes so the reader can start on the first bytes while later ones are still
   * being copied (and, symmetrically, {@link #read} frees space in steps).
   */
  int write(ByteBuffer src) {
    long head = (long) LONGS.getAcquire(map, control + HEAD);
    int n = Math.min(capacity - (int) (mine - head), src.remaining());
    int done = 0;
    while (done < n) {
      int idx = (int) (mine % capacity);
      int len = Math.min(Math.min(n - done, capacity - idx), PUBLISH_BYTES);
      map.put(data + idx, src, src.position() + done, len);
      done += len;
      mine += len;
      LONGS.setRelease(map, control + TAIL, mine);
      wakePeer |= claimWake(READER_WAITING);
    }
    src.position(src.position() + n);
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
    int done = 0;
    while (done < n) {
      int idx = (int) (mine % capacity);
      int len = Math.min(Math.min(n - done, capacity - idx), PUBLISH_BYTES);
      if (len < n - done) {
        len -= len % sink.granule(); // PUBLISH_BYTES and the capacity are multiples of 8
      }
      sink.accept(map.slice(data + idx, len).order(ByteOrder.nativeOrder()));
      done += len;
      mine += len;
      LONGS.setRelease(map, control + HEAD, mine);
      wakePeer |= claimWake(WRITER_WAITING);
    }
    return n;
  }

  /** Reader side: announces sleep; false if bytes arrived meanwhile (then do not sleep). */
  boolean armReader() {
    return arm(READER_WAITING, () -> (long) LONGS.getVolatile(map, control + TAIL) == mine);
  }

  /** Writer side: announces sleep; false if space freed up meanwhile. */
  boolean armWriter() {
    return arm(
        WRITER_WAITING, () -> mine - (long) LONGS.getVolatile(map, control + HEAD) == capacity);
  }

  void disarmReader() {
    LONGS.setVolatile(map, control + READER_WAITING, 0L);
  }

  void disarmWriter() {
    LONGS.setVolatile(map, control + WRITER_WAITING, 0L);
  }

  /**
   * True, once, if a publication since the last call found the other side asleep: the caller must
   * then ring its doorbell.
   */
  boolean takeWakePeer() {
    boolean w = wakePeer;
    wakePeer = false;
    return w;
  }

  private boolean arm(int flag, BooleanSupplier stillStuck) {
    LONGS.setVolatile(map, control + flag, 1L);
    VarHandle.fullFence();
    if (stillStuck.getAsBoolean()) {
      return true;
    }
    LONGS.setVolatile(map, control + flag, 0L);
    return false;
  }

  private boolean claimWake(int flag) {
    VarHandle.fullFence();
    return (long) LONGS.getVolatile(map, control + flag) == 1L
        && LONGS.compareAndSet(map, control + flag, 1L, 0L);
  }

  static int footprint(int capacity) {
    return CONTROL_BYTES + capacity;
  }
}
