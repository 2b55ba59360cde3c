package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.cohort.comm.group.DataType;
import dev.cohort.comm.group.DefaultProcessGroup;
import dev.cohort.comm.group.ProcessGroup;
import dev.cohort.comm.group.ReduceOp;
import dev.cohort.comm.group.Tensor;
import dev.cohort.comm.group.Work;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Averages gradients over the ranks, DDP style: parameters are grouped into buckets of about
 * {@code bucketBytes} (last layers first, the order in which a backward pass finishes them), each
 * bucket is packed from libtorch's gradient memory into a buffer from
 * {@link ProcessGroup#allocate} (zero-copy all-reduce on one host), all-reduced asynchronously so
 * that packing the next bucket overlaps the previous bucket's communication, and unpacked back.
 */
public final class GradientSync {
  private final ProcessGroup pg;
  private final List<Bucket> buckets = new ArrayList<>();
  private final boolean overlap;
  /** Stands for a bucket already reduced inline. */
  private static final Work DONE = new Work() {
    @Override
    public boolean isCompleted() {
      return true;
    }

    @Override
    public boolean isSuccess() {
      return true;
    }

    @Override
    public java.util.Optional<RuntimeException> exception() {
      return java.util.Optional.empty();
    }

    @Override
    public void await(java.time.Duration timeout) {}

    @Override
    public void await() {}
  };

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
      throw new IllegalArgumentException("bucket size must be at least 4 bytes, got " + bucketBytes);
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

  /** Replaces every gradient with its average over all ranks. Collective. */
  public Timing averageGradients() {
    if (pg.size() == 1) {
      return new Timing(0, 0, 0, 0); // one worker: its gradients are already the average
    }
    long t0 = System.nanoTime();
    long wait0 = waitNanos();
    long bytes = 0;
    List<Work> works = new ArrayList<>(buckets.size());
    for (int i = 0; i < buckets.size(); i++) {
      Bucket b = buckets.get(i);
      copy(b, true);
      bytes += b.buffer().byteSize();
      if (i == buckets.size() - 1 || !overlap) {
        // Nothing left to overlap with: reduce on this thread once the queue has drained, which
        // saves two thread hand-offs (tens of microseconds each, far more on a busy VM).
        for (Work w : works) {
          w.await();
        }
        pg.allReduce(b.buffer(), ReduceOp.AVG);
        works.add(DONE);
      } else {
        works.add(pg.allReduceAsync(b.buffer(), ReduceOp.AVG));
      }
    }
    for (int i = 0; i < buckets.size(); i++) {
      works.get(i).await();
      copy(buckets.get(i), false);
    }
    return new Timing(System.nanoTime() - t0, waitNanos() - wait0, buckets.size(), bytes);
  }

  private long waitNanos() {
    return pg instanceof DefaultProcessGroup d ? d.waitNanos() : 0;
  }

  /** Packs gradients into the bucket ({@code in}) or unpacks the averages back out. */
  private static void copy(Bucket b, boolean in) {
    ByteBuffer bucket = b.buffer().bytes();
    for (int i = 0; i < b.params().size(); i++) {
      Parameter p = b.params().get(i);
      try (NDArray grad = p.getArray().getGradient()) {
        ByteBuffer g = ParameterViews.view(grad, "gradient of " + p.getName());
        ByteBuffer slot = bucket.slice(b.offsets()[i] * 4, g.capacity());
        if (in) {
          slot.put(g);
        } else {
          g.put(slot);
        }
      }
    }
  }
}
