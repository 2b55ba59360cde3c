package dev.cohort.train.compress;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.Tensor;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Error feedback: each rank's residual per bucket, what compression left out of the gradients it
 * contributed, added to its next gradients so that nothing is lost, only delayed. The residuals
 * differ per rank: checkpoints hold every rank's, gathered to rank 0 as {@code
 * compression/error/<rank>/<bucket>}, with {@code compression/steps}: the steps done (two numbers),
 * the ranks that saved them and the hook's kind, whose residuals a resume takes only when both
 * match.
 */
final class ErrorFeedback {
  private final ProcessGroup pg;
  private final Compression kind;
  private final float[][] residuals;
  private final int plainSteps;
  private long steps; // steps started, the current one included
  private long plainRun; // of them, plain ones this process ran

  /**
   * @param kind the hook whose residuals these are: a checkpoint of another kind's is not taken
   */
  ErrorFeedback(ProcessGroup pg, Compression kind, List<BucketLayout> layouts, int plainSteps) {
    this.pg = pg;
    this.kind = kind;
    this.plainSteps = plainSteps;
    this.residuals = new float[layouts.size()][];
    for (int b = 0; b < residuals.length; b++) {
      residuals[b] = new float[layouts.get(b).count()];
    }
  }

  /** Counts a step. */
  void startStep() {
    steps++;
    if (plain()) {
      plainRun++;
    }
  }

  /** Whether this step still takes the plain all-reduce. */
  boolean plain() {
    return steps <= plainSteps;
  }

  /** Steps this process began with the plain all-reduce. */
  long plainRun() {
    return plainRun;
  }

  /** Bucket {@code index}'s residual, to read and write in place. */
  float[] residual(int index) {
    return residuals[index];
  }

  void snapshot(Map<String, float[]> out) {
    int n = pg.size();
    for (int b = 0; b < residuals.length; b++) {
      int count = residuals[b].length;
      Tensor mine = Tensor.allocate(DataType.FLOAT32, count);
      floats(mine).put(residuals[b]);
      Tensor all = pg.rank() == 0 ? Tensor.allocate(DataType.FLOAT32, n * count) : null;
      pg.gather(mine, all, 0);
      if (all != null) {
        FloatBuffer f = floats(all);
        for (int r = 0; r < n; r++) {
          float[] copy = new float[count];
          f.get(r * count, copy);
          out.put("compression/error/" + r + "/" + b, copy);
        }
      }
    }
    out.put("compression/steps", new float[] {steps / 65536, steps % 65536, n, kind.ordinal()});
  }

  void restore(Map<String, float[]> saved, PrintStream log) {
    float[] s = saved.get("compression/steps");
    if (s == null || s.length != 4) {
      steps = 0; // saved without this compression: it starts over, plain steps first
      zero();
      return;
    }
    steps = (long) s[0] * 65536 + (long) s[1];
    boolean fits =
        (int) s[2] == pg.size()
            && (int) s[3] == kind.ordinal()
            && !saved.containsKey("compression/error/0/" + residuals.length);
    for (int b = 0; b < residuals.length && fits; b++) {
      float[] r = saved.get("compression/error/" + pg.rank() + "/" + b);
      fits = r != null && r.length == residuals[b].length;
    }
    if (!fits) {
      if (pg.rank() == 0) {
        log.println(
            "warning: the checkpoint's compression residuals were saved by "
                + (int) s[2]
                + " workers with "
                + Compression.values()[Math.floorMod((int) s[3], Compression.values().length)]
                    .label()
                + " (or another bucket layout): with "
                + pg.size()
                + " and "
                + kind.label()
                + " they start at zero");
      }
      zero();
      return;
    }
    for (int b = 0; b < residuals.length; b++) {
      float[] r = saved.get("compression/error/" + pg.rank() + "/" + b);
      System.arraycopy(r, 0, residuals[b], 0, r.length);
    }
  }

  private void zero() {
    for (float[] r : residuals) {
      Arrays.fill(r, 0f);
    }
  }

  static FloatBuffer floats(Tensor t) {
    return t.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }
}
