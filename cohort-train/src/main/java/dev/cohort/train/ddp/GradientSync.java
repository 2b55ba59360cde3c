package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Averages gradients over the ranks, DDP style: parameters are grouped into buckets of about {@code
 * bucketBytes} (last layers first, the order in which a backward pass finishes them), each bucket
 * is packed from libtorch's gradient memory into a buffer from {@link ProcessGroup#allocate}
 * (zero-copy all-reduce on one host), and all-reduced asynchronously so that packing the next
 * bucket overlaps the previous bucket's communication. The averages stay in the buckets, where the
 * optimizer reads them ({@link #gradientViews}); libtorch's gradients are zeroed as they are
 * packed, ready for the next backward pass.
 */
public final class GradientSync {
  private final ProcessGroup pg;
  private final List<Bucket> buckets = new ArrayList<>();
  private final boolean overlap;
  private final List<ByteBuffer> views;

  /** Parameters of one bucket and where each sits in it (in elements). */
  private record Bucket(List<Parameter> params, int[] offsets, Tensor buffer) {}

  /** What one synchronization cost, in nanoseconds. */
  public record Timing(long totalNanos, long waitNanos, int buckets, long bytes) {}

  /**
   * @param params the parameters that take gradients, in model order
   * @param bucketBytes target bucket size (a parameter larger than it gets a bucket of its own)
   * @param overlap false to all-reduce each bucket before packing the next (to measure overlap)
   */
  public GradientSync(ProcessGroup pg, List<Parameter> params, long bucketBytes, boolean overlap) {
    if (bucketBytes < 4) {
      throw new IllegalArgumentException(
          "bucket size must be at least 4 bytes, got " + bucketBytes);
    }
    this.pg = pg;
    this.overlap = overlap;
    List<Parameter> current = new ArrayList<>();
    long currentElems = 0;
    for (int i = params.size() - 1; i >= 0; i--) {
      Parameter p = params.get(i);
      long n = ParameterViews.elements(p);
      if (!current.isEmpty() && (currentElems + n) * 4 > bucketBytes) {
        buckets.add(bucket(current, currentElems));
        current = new ArrayList<>();
        currentElems = 0;
      }
      current.add(p);
      currentElems += n;
    }
    if (!current.isEmpty()) {
      buckets.add(bucket(current, currentElems));
    }
    List<ByteBuffer> byParam = new ArrayList<>();
    for (Parameter p : params) {
      for (Bucket b : buckets) {
        int k = b.params().indexOf(p);
        if (k >= 0) {
          int bytes = (int) ParameterViews.elements(p) * 4;
          byParam.add(
              b.buffer().bytes().slice(b.offsets()[k] * 4, bytes).order(ByteOrder.nativeOrder()));
        }
      }
    }
    this.views = List.copyOf(byParam);
  }

  private Bucket bucket(List<Parameter> params, long elems) {
    if (elems > Integer.MAX_VALUE / 4) {
      throw new IllegalArgumentException("a bucket of " + elems + " floats is over 2 GiB");
    }
    int[] offsets = new int[params.size()];
    int at = 0;
    for (int i = 0; i < params.size(); i++) {
      offsets[i] = at;
      at += (int) ParameterViews.elements(params.get(i));
    }
    return new Bucket(List.copyOf(params), offsets, pg.allocate(DataType.FLOAT32, at));
  }

  public int bucketCount() {
    return buckets.size();
  }

  /** Sizes of the buckets in bytes, for the run's configuration record. */
  public List<Integer> bucketBytes() {
    return buckets.stream().map(b -> b.buffer().byteSize()).toList();
  }

  /**
   * Moves every gradient into its bucket and averages the buckets over all ranks. Collective.
   * Afterwards {@link #gradientViews} hold the averages and libtorch's gradients are zero.
   */
  public Timing averageGradients() {
    long t0 = System.nanoTime();
    long wait0 = waitNanos();
    long bytes = 0;
    List<Work> works = new ArrayList<>(buckets.size());
    for (int i = 0; i < buckets.size(); i++) {
      Bucket b = buckets.get(i);
      pack(b);
      bytes += b.buffer().byteSize();
      if (pg.size() == 1) {
        continue; // one worker: its gradients are the average
      }
      if (i == buckets.size() - 1 || !overlap) {
        // Nothing left to overlap with: reduce on this thread once the queue has drained, which
        // saves two thread hand-offs (tens of microseconds each, far more on a busy VM).
        for (Work w : works) {
          w.await();
        }
        works.clear();
        pg.allReduce(b.buffer(), ReduceOp.AVG);
      } else {
        works.add(pg.allReduceAsync(b.buffer(), ReduceOp.AVG));
      }
    }
    for (Work w : works) {
      w.await();
    }
    return new Timing(System.nanoTime() - t0, waitNanos() - wait0, buckets.size(), bytes);
  }

  /** Each parameter's averaged gradient, in model order: slices of the buckets. */
  public List<ByteBuffer> gradientViews() {
    return views;
  }

  private long waitNanos() {
    return pg.stats().waitNanos();
  }

  /** Copies the bucket's gradients out of libtorch into the bucket and zeroes them there. */
  private static void pack(Bucket b) {
    ByteBuffer bucket = b.buffer().bytes();
    for (int i = 0; i < b.params().size(); i++) {
      Parameter p = b.params().get(i);
      try (NDArray grad = p.getArray().getGradient()) {
        ByteBuffer g = ParameterViews.view(grad, "gradient of " + p.getName());
        bucket.slice(b.offsets()[i] * 4, g.capacity()).put(g.duplicate());
        zero(g);
      }
    }
  }

  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024);

  private static void zero(ByteBuffer b) {
    ByteBuffer dst = b.duplicate().clear();
    while (dst.hasRemaining()) {
      dst.put(ZEROS.duplicate().limit(Math.min(ZEROS.capacity(), dst.remaining())));
    }
  }
}
