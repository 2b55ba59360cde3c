package dev.cohort.comm.it;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The collectives of one data-parallel training step with SyncBatchNorm, issued exactly as the
 * trainer issues them, with inputs that depend on (rank, step, call) so that every result is known
 * in advance and checked bit for bit:
 *
 * <ol>
 *   <li>forward, per SyncBatchNorm layer: {@code allReduce(double[2C+1], SUM)}, C = 32 then 64;
 *   <li>backward, per layer in reverse order: {@code allReduce(double[2C], SUM)};
 *   <li>gradient buckets (tensors from {@link ProcessGroup#allocate}, allocated once, as
 *       GradientSync does): each bucket is filled on this thread and {@code allReduceAsync(AVG)}
 *       issued, except the last one, which is all-reduced blocking after the Works of the others
 *       have been awaited (or, every other step, while they are still pending);
 *   <li>{@code broadcast} of a 192-float allocated tensor from rank 0;
 *   <li>every 5 steps {@code allReduce(int[1], MAX)}.
 * </ol>
 *
 * Values are small multiples of 1/4 (exact in float and double for any summation order), so a
 * stale, partial or misplaced result shows up as a wrong value, never as rounding.
 */
public final class TrainingPattern {
  /** SyncBatchNorm channel counts, in forward order. */
  static final int[] CHANNELS = {32, 64};

  /**
   * Gradient bucket sizes in floats: above the small-message size (the zero-copy shared-memory
   * path) and below it (recursive doubling over the pairs), as a real model's buckets are.
   */
  static final int[] BUCKETS = {40_000, 9_000, 70_000, 3_000, 20_000};

  static final int BROADCAST_FLOATS = 192;

  private final ProcessGroup pg;
  private final int rank;
  private final int size;
  private final List<Tensor> buckets = new ArrayList<>();
  private final Tensor broadcast;
  private final SplittableRandom jitter;
  private long calls;

  /** Without jitter: the ranks issue each collective as fast as they can. */
  public TrainingPattern(ProcessGroup pg) {
    this(pg, false);
  }

  /**
   * @param jitter whether each rank works (or sleeps) a random while before each collective, as the
   *     forward and backward passes do, so that the ranks arrive in varying order and the comm
   *     thread is sometimes ahead of the peers and sometimes behind
   */
  public TrainingPattern(ProcessGroup pg, boolean jitter) {
    this.pg = pg;
    this.jitter = jitter ? new SplittableRandom(pg.rank() * 7919L + System.nanoTime()) : null;
    this.rank = pg.rank();
    this.size = pg.size();
    for (int n : BUCKETS) {
      buckets.add(pg.allocate(DataType.FLOAT32, n));
    }
    this.broadcast = pg.allocate(DataType.FLOAT32, BROADCAST_FLOATS);
  }

  /** Collectives checked so far. */
  public long calls() {
    return calls;
  }

  /**
   * Runs {@code steps} steps from {@code first}; throws AssertionError on the first wrong value.
   */
  public void run(int first, int steps) {
    for (int s = first; s < first + steps; s++) {
      step(s);
    }
  }

  private void step(int s) {
    int call = 0;
    for (int c : CHANNELS) {
      allReduceDoubles(s, call++, 2 * c + 1);
    }
    for (int l = CHANNELS.length - 1; l >= 0; l--) {
      allReduceDoubles(s, call++, 2 * CHANNELS[l]);
    }
    boolean awaitFirst = s % 2 == 0;
    List<Work> works = new ArrayList<>();
    for (int b = 0; b < buckets.size(); b++) {
      Tensor t = buckets.get(b);
      pause();
      fill(t, s, call + b, rank);
      if (b < buckets.size() - 1) {
        works.add(pg.allReduceAsync(t, ReduceOp.AVG));
      } else {
        if (awaitFirst) {
          works.forEach(Work::await);
        }
        pg.allReduce(t, ReduceOp.AVG);
        works.forEach(Work::await);
      }
    }
    for (int b = 0; b < buckets.size(); b++) {
      checkAverage(buckets.get(b), s, call + b);
    }
    calls += buckets.size();
    call += buckets.size();
    FloatBuffer bc = broadcast.bytes().asFloatBuffer();
    for (int i = 0; i < BROADCAST_FLOATS; i++) {
      bc.put(i, rank == 0 ? value(0, s, call, i) : -1 - rank);
    }
    pause();
    pg.broadcast(broadcast, 0);
    for (int i = 0; i < BROADCAST_FLOATS; i++) {
      expect(bc.get(i) == value(0, s, call, i), s, call, "broadcast", i, value(0, s, call, i), bc);
    }
    calls++;
    call++;
    if (s % 5 == 0) {
      int[] flag = {rank * 1000 + s % 997};
      pause();
      pg.allReduce(flag, ReduceOp.MAX);
      int want = (size - 1) * 1000 + s % 997;
      if (flag[0] != want) {
        throw failure(s, call, "allReduce(int[1], MAX)", 0, want, flag[0]);
      }
      calls++;
    }
  }

  private void allReduceDoubles(int s, int call, int n) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = value(rank, s, call, i);
    }
    pause();
    pg.allReduce(a, ReduceOp.SUM);
    for (int i = 0; i < n; i++) {
      double want = 0;
      for (int r = 0; r < size; r++) {
        want += value(r, s, call, i);
      }
      if (a[i] != want) {
        throw failure(s, call, "allReduce(double[" + n + "], SUM)", i, want, a[i]);
      }
    }
    calls++;
  }

  /** Nothing, a few microseconds of work, or (rarely) a sleep: see the constructor. */
  private void pause() {
    if (jitter == null) {
      return;
    }
    int k = jitter.nextInt(100);
    if (k < 40) {
      return;
    }
    if (k < 97) {
      long until = System.nanoTime() + jitter.nextInt(1, 200_000);
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      return;
    }
    try {
      Thread.sleep(0, jitter.nextInt(1, 999_999));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void fill(Tensor t, int s, int call, int rank) {
    FloatBuffer f = t.bytes().asFloatBuffer();
    for (int i = 0; i < t.count(); i++) {
      f.put(i, value(rank, s, call, i));
    }
  }

  private void checkAverage(Tensor t, int s, int call) {
    FloatBuffer f = t.bytes().asFloatBuffer();
    for (int i = 0; i < t.count(); i++) {
      float sum = 0;
      for (int r = 0; r < size; r++) {
        sum += value(r, s, call, i);
      }
      float want = sum / size;
      if (Float.floatToRawIntBits(f.get(i)) != Float.floatToRawIntBits(want)) {
        throw failure(
            s,
            call,
            "allReduceAsync/allReduce(bucket of " + t.count() + " floats, AVG)",
            i,
            want,
            f.get(i));
      }
    }
  }

  /**
   * Rank r's input at element i of call {@code call} in step {@code s}: a multiple of 1/4 in [-512,
   * 512), different from step to step and call to call, so stale data cannot pass for fresh.
   */
  static float value(int r, int s, int call, int i) {
    long h = r * 0x9E3779B97F4A7C15L + s * 0xC2B2AE3D27D4EB4FL + call * 0x165667B19E3779F9L + i;
    h ^= h >>> 29;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 32;
    return ((int) (h & 4095) - 2048) / 4f;
  }

  private void expect(
      boolean ok, int s, int call, String what, int i, float want, FloatBuffer got) {
    if (!ok) {
      throw failure(s, call, what, i, want, got.get(i));
    }
  }

  private AssertionError failure(int s, int call, String what, int i, double want, double got) {
    return new AssertionError(
        "rank "
            + rank
            + "/"
            + size
            + ": step "
            + s
            + " call "
            + call
            + " "
            + what
            + ": element "
            + i
            + " is "
            + got
            + ", expected "
            + want
            + " (after "
            + calls
            + " correct collectives)");
  }

  /** Keeps {@code threads} cores busy until interrupted: contention that reorders the ranks. */
  public static List<Thread> busy(int threads) {
    List<Thread> out = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t =
          new Thread(
              () -> {
                long x = 0;
                ByteBuffer sink = ByteBuffer.allocate(8);
                while (!Thread.currentThread().isInterrupted()) {
                  for (int k = 0; k < 100_000; k++) {
                    x = x * 6364136223846793005L + 1442695040888963407L;
                  }
                  sink.putLong(0, x);
                }
              },
              "busy-" + i);
      t.setDaemon(true);
      t.start();
      out.add(t);
    }
    return out;
  }
}
