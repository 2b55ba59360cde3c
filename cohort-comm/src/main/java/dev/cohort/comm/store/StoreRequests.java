package dev.cohort.comm.store;

import dev.cohort.comm.ProtocolException;
import dev.cohort.comm.StoreException;
import dev.cohort.comm.wire.FrameReader;
import dev.cohort.comm.wire.FrameWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Answers one request of the store's wire protocol ({@link StoreOp}) against one job's keys. A
 * request the job's bounds refuse, or one that asks to wait longer than the store allows, is
 * answered {@link StoreOp#STATUS_ERROR} with the reason; the connection stays usable. A malformed
 * request is a {@link ProtocolException}, which closes it.
 */
final class StoreRequests {
  private static final int MAX_KEYS_PER_WAIT = 65_536;

  private final InMemoryStore data;
  private final StoreLimits limits;

  StoreRequests(InMemoryStore data, StoreLimits limits) {
    this.data = data;
    this.limits = limits;
  }

  byte[] handle(FrameReader r) {
    StoreOp op = StoreOp.of(r.u8());
    if (op == null) {
      throw new ProtocolException("unknown store opcode");
    }
    FrameWriter w = new FrameWriter();
    try {
      answer(op, r, w);
    } catch (StoreException e) {
      return new FrameWriter().u8(StoreOp.STATUS_ERROR).string(e.getMessage()).toByteArray();
    }
    return w.toByteArray();
  }

  private void answer(StoreOp op, FrameReader r, FrameWriter w) {
    switch (op) {
      case SET -> {
        String key = r.string();
        byte[] value = r.blob();
        r.end();
        data.set(key, value);
        w.u8(StoreOp.STATUS_OK);
      }
      case GET -> {
        String key = r.string();
        long waitMs = waitMillis(r.i64());
        r.end();
        byte[] v = data.awaitKeys(List.of(key), nanos(waitMs)) ? data.read(key) : null;
        if (v == null) {
          w.u8(waitMs > 0 ? StoreOp.STATUS_TIMEOUT : StoreOp.STATUS_ABSENT);
        } else {
          w.u8(StoreOp.STATUS_OK).blob(v);
        }
      }
      case ADD -> {
        String key = r.string();
        long delta = r.i64();
        r.end();
        w.u8(StoreOp.STATUS_OK).i64(data.add(key, delta));
      }
      case CAS -> {
        String key = r.string();
        boolean expectAbsent = r.u8() == 1;
        byte[] expected = r.blob();
        byte[] desired = r.blob();
        r.end();
        byte[] now = data.compareAndSet(key, expectAbsent ? null : expected, desired);
        if (now == null) {
          w.u8(StoreOp.STATUS_ABSENT);
        } else {
          w.u8(StoreOp.STATUS_OK).blob(now);
        }
      }
      case DELETE -> {
        String key = r.string();
        r.end();
        w.u8(StoreOp.STATUS_OK).u8(data.delete(key) ? 1 : 0);
      }
      case WAIT, CHECK -> {
        int n = r.i32();
        if (n < 0 || n > MAX_KEYS_PER_WAIT) {
          throw new ProtocolException("store WAIT/CHECK for " + n + " keys");
        }
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
          keys[i] = r.string();
        }
        long waitMs = op == StoreOp.WAIT ? waitMillis(r.i64()) : 0;
        r.end();
        boolean all = data.awaitKeys(List.of(keys), nanos(waitMs));
        w.u8(all ? StoreOp.STATUS_OK : StoreOp.STATUS_TIMEOUT);
      }
      default -> throw new IllegalStateException(op.name());
    }
  }

  /** The wait a request asks for, refused over {@link StoreLimits#maxWait()}. */
  private long waitMillis(long asked) {
    if (asked > limits.maxWait().toMillis()) {
      throw new StoreException(
          "a wait of "
              + asked
              + " ms is over this store's bound of "
              + limits.maxWait().toMillis()
              + " ms; use a shorter COHORT_TIMEOUT_MS");
    }
    return Math.max(0, asked);
  }

  private static long nanos(long waitMs) {
    return TimeUnit.MILLISECONDS.toNanos(waitMs);
  }
}
