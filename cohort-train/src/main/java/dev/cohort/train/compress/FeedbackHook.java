package dev.cohort.train.compress;

import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * What the hooks with error feedback share: the plain all-reduce for the first steps, then their
 * own way of averaging ({@link #compressed}); the residuals and step count as their state.
 */
abstract sealed class FeedbackHook implements CommHook permits PowerSgd, TopK {
  protected final ProcessGroup pg;
  protected final ErrorFeedback feedback;

  FeedbackHook(ProcessGroup pg, Compression kind, List<BucketLayout> layouts, int plainSteps) {
    this.pg = pg;
    this.feedback = new ErrorFeedback(pg, kind, layouts, plainSteps);
  }

  @Override
  public final void startStep() {
    feedback.startStep();
  }

  @Override
  public final void average(Tensor bucket, int index) {
    if (feedback.plain()) {
      pg.allReduce(bucket, ReduceOp.AVG);
    } else {
      compressed(bucket, index);
    }
  }

  /** Averages bucket {@code index} the hook's own way, with error feedback. Collective. */
  abstract void compressed(Tensor bucket, int index);

  @Override
  public final long plainStepsRun() {
    return feedback.plainRun();
  }

  @Override
  public final boolean stateful() {
    return true;
  }

  @Override
  public void snapshot(Map<String, float[]> out) {
    feedback.snapshot(out);
  }

  @Override
  public void restore(Map<String, float[]> saved, PrintStream log) {
    feedback.restore(saved, log);
  }
}
