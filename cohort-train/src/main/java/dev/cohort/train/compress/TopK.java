package dev.cohort.train.compress;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.Tensor;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.List;

/**
 * Top-k sparsification with error feedback: each rank adds its residual to its gradients, sends the
 * k = ceil(fraction x count) values of largest magnitude with their indices (an all-gather of k
 * (index, value) pairs per rank), and keeps the rest as its next residual ({@link ErrorFeedback}).
 * Every rank adds up the pairs of every rank in rank order and divides by N, so the result is
 * identical everywhere. A rank sends 8k bytes per bucket instead of a ring all-reduce's 2 x 4 x
 * count (N-1)/N; ties at the threshold go to the lower index. The first steps take the plain
 * all-reduce.
 */
public final class TopK extends FeedbackHook {
  private final int[] ks;
  private final Tensor[] gathered; // per bucket: every rank's k (index, value bits) pairs
  private float[] magnitudes = new float[0];

  TopK(ProcessGroup pg, double fraction, int plainSteps, List<BucketLayout> layouts) {
    super(pg, Compression.TOPK, layouts, plainSteps);
    this.ks = new int[layouts.size()];
    this.gathered = new Tensor[layouts.size()];
    for (int b = 0; b < ks.length; b++) {
      int count = layouts.get(b).count();
      ks[b] = values(count, fraction);
      gathered[b] = pg.allocate(DataType.INT32, pg.size() * 2 * ks[b]);
    }
  }

  /** Values a rank sends of a bucket of {@code count}: ceil(fraction x count), at least 1. */
  public static int values(int count, double fraction) {
    return (int) Math.max(1, Math.min(count, Math.ceil(fraction * count)));
  }

  /** Values each rank sends of bucket {@code index}. */
  int k(int index) {
    return ks[index];
  }

  @Override
  void compressed(Tensor bucket, int index) {
    FloatBuffer g = ErrorFeedback.floats(bucket);
    float[] acc = feedback.residual(index);
    int count = acc.length;
    for (int i = 0; i < count; i++) {
      acc[i] += g.get(i); // error feedback: the residual joins this step's gradient
    }
    int k = ks[index];
    int n = pg.size();
    Tensor all = gathered[index];
    Tensor mine = all.slice(pg.rank() * 2 * k, 2 * k);
    IntBuffer out = mine.bytes().order(ByteOrder.nativeOrder()).asIntBuffer();
    float threshold = threshold(acc, k);
    int taken = 0;
    // Above the threshold first, then ties at it from the lowest index, up to k in all.
    int above = 0;
    for (float v : acc) {
      if (magnitude(v) > threshold) {
        above++;
      }
    }
    int ties = k - above;
    for (int i = 0; i < count && taken < k; i++) {
      float a = magnitude(acc[i]);
      if (a > threshold || (a == threshold && ties-- > 0)) {
        out.put(2 * taken, i);
        out.put(2 * taken + 1, Float.floatToRawIntBits(acc[i]));
        taken++;
        acc[i] = 0; // sent: nothing of it is left over
      }
    }
    pg.allGather(mine, all);
    IntBuffer pairs = all.bytes().order(ByteOrder.nativeOrder()).asIntBuffer();
    for (int i = 0; i < count; i++) {
      g.put(i, 0f);
    }
    for (int j = 0; j < n * k; j++) {
      int at = pairs.get(2 * j);
      g.put(at, g.get(at) + Float.intBitsToFloat(pairs.get(2 * j + 1)));
    }
    for (int i = 0; i < count; i++) {
      g.put(i, g.get(i) / n);
    }
  }

  /**
   * A value's size for the selection: NaN counts as the largest, so that it is sent and the average
   * shows it (the trainer stops on a NaN loss) instead of hiding in a residual.
   */
  private static float magnitude(float v) {
    return Float.isNaN(v) ? Float.POSITIVE_INFINITY : Math.abs(v);
  }

  /** The k-th largest magnitude of {@code values} (quickselect on a copy of the magnitudes). */
  float threshold(float[] values, int k) {
    int count = values.length;
    if (magnitudes.length < count) {
      magnitudes = new float[count];
    }
    float[] a = magnitudes;
    for (int i = 0; i < count; i++) {
      a[i] = magnitude(values[i]);
    }
    int want = count - k; // the index the k-th largest has in ascending order
    int lo = 0;
    int hi = count - 1;
    while (lo < hi) {
      float pivot = a[(lo + hi) >>> 1];
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (a[i] < pivot) {
          i++;
        }
        while (a[j] > pivot) {
          j--;
        }
        if (i <= j) {
          float t = a[i];
          a[i] = a[j];
          a[j] = t;
          i++;
          j--;
        }
      }
      if (want <= j) {
        hi = j;
      } else if (want >= i) {
        lo = i;
      } else {
        break; // between j and i every value equals the pivot
      }
    }
    return a[want];
  }

  /** A ring all-gather per bucket of every other rank's k (index, value) pairs. */
  @Override
  public long stepBytes() {
    long pairs = 0;
    for (int k : ks) {
      pairs += k;
    }
    return (pg.size() - 1) * 8L * pairs;
  }
}
