package dev.cohort.train.metrics;

/** Sums of step records: totals and shares of each phase, for summaries and the end table. */
public final class Breakdown {
  private long data;
  private long compute;
  private long comm;
  private long wait;
  private long optimizer;
  private long other;
  private long total;
  private long samples;
  private int steps;

  public void add(StepRecord r) {
    data += r.dataNanos();
    compute += r.computeNanos();
    comm += r.commNanos();
    wait += r.waitNanos();
    optimizer += r.optimizerNanos();
    other += r.otherNanos();
    total += r.totalNanos();
    samples += r.samples();
    steps++;
  }

  public int steps() {
    return steps;
  }

  public long samples() {
    return samples;
  }

  public double seconds() {
    return total / 1e9;
  }

  /** Milliseconds per step of each phase. */
  public RunSummary.StepTimes perStepMillis() {
    double n = Math.max(1, steps) * 1e6;
    return new RunSummary.StepTimes(
        data / n, compute / n, comm / n, wait / n, optimizer / n, other / n, total / n);
  }
}
