package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;
import dev.cohort.train.compress.BucketLayout;
import dev.cohort.train.compress.CommHook;
import dev.cohort.train.compress.CompressionSpec;
import dev.cohort.train.data.TensorViews;
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
 *
 * <p>In local SGD's buckets ({@link #local}) nothing is averaged: they hold each rank's own
 * gradients, and, between steps, the parameters and optimizer state that {@link LocalSgd} averages.
 * With compression ({@link CompressionSpec}) a bucket is averaged by a {@link CommHook} instead:
 * 16-bit floats, PowerSGD or top-k on the wire.
 *
 * <p>Parameters may come in segments (contiguous groups in model order, see {@link
 * SegmentedBackward}): buckets then never straddle a segment, and a segment's buckets can be sent
 * on their way ({@link #reduceSegment}) as soon as its backward pass is done, while the backward of
 * the segments before it still runs; {@link #finish} then waits for all of them. Every rank must
 * reduce the segments in the same order, last first.
 */
public final class GradientSync {
  private final ProcessGroup pg;
  private final List<Bucket> buckets = new ArrayList<>();
  private final boolean overlap;
  private final List<ByteBuffer> views;
  private final List<Work> inFlight = new ArrayList<>();
  private final int segments;
  private final boolean local;
  private final CommHook hook; // null: the float32 all-reduce

  /** The segment {@link #reduceSegment} expects next: the last one first, 0 last, then -1. */
  private int due;

  /** The round so far: nanoseconds on the caller's thread, exchange stall at its start, bytes. */
  private long activeNanos;

  private long waitAtStart;
  private long roundBytes;

  /** Parameters of one bucket, where each sits in it (in elements), and their segment. */
  private record Bucket(List<Parameter> params, int[] offsets, Tensor buffer, int segment) {}

  /**
   * What one synchronization cost, in nanoseconds: {@code totalNanos} on the calling thread, of
   * which {@code waitNanos} stalled on slower ranks. With segments, stalls that the backward pass
   * hid are counted nowhere: the wait is at most what the calling thread spent here.
   */
  public record Timing(long totalNanos, long waitNanos, int buckets, long bytes) {}

  /**
   * @param params the parameters that take gradients, in model order
   * @param bucketBytes target bucket size (a parameter larger than it gets a bucket of its own)
   * @param overlap false to all-reduce each bucket before packing the next (to measure overlap)
   */
  public GradientSync(ProcessGroup pg, List<Parameter> params, long bucketBytes, boolean overlap) {
    this(pg, bucketBytes, overlap, List.of(params), false, CompressionSpec.NONE);
  }

  /**
   * Buckets that end at segment boundaries.
   *
   * @param segments the parameters that take gradients, in model order, cut into contiguous
   *     segments; buckets end at segment boundaries
   * @param bucketBytes target bucket size (a parameter larger than it gets a bucket of its own)
   * @param overlap false to all-reduce each bucket before packing the next (to measure overlap)
   */
  public static GradientSync segmented(
      ProcessGroup pg, List<List<Parameter>> segments, long bucketBytes, boolean overlap) {
    return segmented(pg, segments, bucketBytes, overlap, CompressionSpec.NONE);
  }

  /**
   * Buckets that end at segment boundaries, averaged by the hook {@code compression} asks for
   * (unless it is {@link CompressionSpec#NONE}: then exactly the float32 all-reduce). A compressed
   * bucket is averaged on the calling thread, the next one packed after it.
   */
  public static GradientSync segmented(
      ProcessGroup pg,
      List<List<Parameter>> segments,
      long bucketBytes,
      boolean overlap,
      CompressionSpec compression) {
    return new GradientSync(
        pg,
        bucketBytes,
        overlap,
        segments,
        false,
        pg.size() == 1 ? CompressionSpec.NONE : compression);
  }

  /**
   * Buckets whose gradients are not averaged: each rank keeps its own (local SGD); {@link
   * #averageBuckets} averages whatever the buckets hold, such as the parameters.
   */
  static GradientSync local(ProcessGroup pg, List<Parameter> params, long bucketBytes) {
    return new GradientSync(pg, bucketBytes, true, List.of(params), true, CompressionSpec.NONE);
  }

  private GradientSync(
      ProcessGroup pg,
      long bucketBytes,
      boolean overlap,
      List<List<Parameter>> segments,
      boolean local,
      CompressionSpec compression) {
    if (bucketBytes < 4) {
      throw new IllegalArgumentException(
          "bucket size must be at least 4 bytes, got " + bucketBytes);
    }
    this.pg = pg;
    this.overlap = overlap;
    this.local = local;
    for (int s = segments.size() - 1; s >= 0; s--) {
      for (List<Parameter> group : groups(segments.get(s), bucketBytes)) {
        buckets.add(bucket(group, s));
      }
    }
    List<ByteBuffer> byParam = new ArrayList<>();
    for (Parameter p : segments.stream().flatMap(List::stream).toList()) {
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
    this.hook =
        compression.none()
            ? null
            : CommHook.of(compression, pg, buckets.stream().map(b -> layout(b.params())).toList());
    this.segments = segments.size();
    this.due = this.segments - 1;
  }

  /**
   * The parameters of a segment in buckets of about {@code bucketBytes}, in the order they are
   * reduced: last parameters first.
   */
  private static List<List<Parameter>> groups(List<Parameter> params, long bucketBytes) {
    List<List<Parameter>> groups = new ArrayList<>();
    List<Parameter> current = new ArrayList<>();
    long currentElems = 0;
    for (int i = params.size() - 1; i >= 0; i--) {
      Parameter p = params.get(i);
      long n = ParameterViews.elements(p);
      if (!current.isEmpty() && (currentElems + n) * 4 > bucketBytes) {
        groups.add(current);
        current = new ArrayList<>();
        currentElems = 0;
      }
      current.add(p);
      currentElems += n;
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  /**
   * The buckets {@code params} (initialized, in model order) travel in with {@code bucketBytes}, as
   * a compression hook sees them, in the order they are reduced: for cost models.
   */
  public static List<BucketLayout> layouts(List<Parameter> params, long bucketBytes) {
    return groups(params, bucketBytes).stream().map(GradientSync::layout).toList();
  }

  private Bucket bucket(List<Parameter> params, int segment) {
    long elems = params.stream().mapToLong(ParameterViews::elements).sum();
    if (elems > Integer.MAX_VALUE / 4) {
      throw new IllegalArgumentException("a bucket of " + elems + " floats is over 2 GiB");
    }
    int[] offsets = new int[params.size()];
    int at = 0;
    for (int i = 0; i < params.size(); i++) {
      offsets[i] = at;
      at += (int) ParameterViews.elements(params.get(i));
    }
    return new Bucket(List.copyOf(params), offsets, pg.allocate(DataType.FLOAT32, at), segment);
  }

  /**
   * A bucket's parameters as its hook sees them, one after the other: each gradient a matrix, its
   * first dimension by the rest.
   */
  private static BucketLayout layout(List<Parameter> params) {
    List<BucketLayout.Block> blocks = new ArrayList<>();
    int at = 0;
    for (Parameter p : params) {
      long[] shape = p.getArray().getShape().getShape();
      int count = (int) ParameterViews.elements(p);
      if (count == 0) {
        continue; // nothing to send
      }
      int rows = shape.length >= 2 ? (int) shape[0] : 1;
      blocks.add(new BucketLayout.Block(at, rows, count / rows));
      at += count;
    }
    return new BucketLayout(at, blocks);
  }

  /** The hook that averages the buckets, or null for the float32 all-reduce. */
  CommHook hook() {
    return hook;
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
    for (int s = segments - 1; s >= 0; s--) {
      reduceSegment(s);
    }
    return finish();
  }

  /**
   * Moves the gradients of segment {@code segment} into their buckets (zeroing libtorch's) and
   * starts averaging them over all ranks; the last bucket of segment 0 is averaged on this thread.
   * Collective: call it for every segment, the last first, then {@link #finish}.
   *
   * @throws IllegalStateException if segments come out of order
   */
  public void reduceSegment(int segment) {
    long t0 = System.nanoTime();
    if (segment != due) {
      throw new IllegalStateException(
          "gradient segment " + segment + " reduced when segment " + due + " was due");
    }
    if (segment == segments - 1) {
      waitAtStart = waitNanos();
      activeNanos = 0;
      roundBytes = 0;
      if (hook != null) {
        hook.startStep();
      }
    }
    due--;
    for (int i = 0; i < buckets.size(); i++) {
      Bucket b = buckets.get(i);
      if (b.segment() != segment) {
        continue;
      }
      pack(b);
      roundBytes += b.buffer().byteSize();
      if (pg.size() == 1 || local) {
        continue; // one worker, or local SGD: its own gradients are the ones to step on
      }
      if (hook != null) {
        awaitInFlight();
        hook.average(b.buffer(), i);
        continue;
      }
      if (i == buckets.size() - 1 || !overlap) {
        // Nothing left to overlap with: reduce on this thread once the queue has drained, which
        // saves two thread hand-offs (tens of microseconds each, far more on a busy VM).
        awaitInFlight();
        pg.allReduce(b.buffer(), ReduceOp.AVG);
      } else {
        inFlight.add(pg.allReduceAsync(b.buffer(), ReduceOp.AVG));
      }
    }
    activeNanos += System.nanoTime() - t0;
  }

  /**
   * Waits until every segment's average has landed in {@link #gradientViews}.
   *
   * @throws IllegalStateException if a segment has not been reduced
   */
  public Timing finish() {
    long t0 = System.nanoTime();
    if (due != -1) {
      throw new IllegalStateException(
          "gradient segment " + due + " was never reduced in this step");
    }
    due = segments - 1;
    awaitInFlight();
    long total = activeNanos + System.nanoTime() - t0;
    long wait = Math.min(total, waitNanos() - waitAtStart);
    return new Timing(total, wait, buckets.size(), roundBytes);
  }

  private void awaitInFlight() {
    for (Work w : inFlight) {
      w.await();
    }
    inFlight.clear();
  }

  /**
   * All-reduces every bucket as it is now, averaging: local SGD puts the parameters into the
   * buckets and averages them this way. Collective.
   *
   * @return the bytes of the buckets
   */
  long averageBuckets() {
    long bytes = 0;
    for (Bucket b : buckets) {
      if (pg.size() > 1) {
        pg.allReduce(b.buffer(), ReduceOp.AVG);
      }
      bytes += b.buffer().byteSize();
    }
    return bytes;
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
        ByteBuffer g = TensorViews.view(grad, "gradient of " + p.getName());
        bucket.slice(b.offsets()[i] * 4, g.capacity()).put(g.duplicate());
        TensorViews.zero(g);
      }
    }
  }
}
