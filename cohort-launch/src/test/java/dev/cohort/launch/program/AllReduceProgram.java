package dev.cohort.launch.program;

import dev.cohort.comm.Cohort;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;

/** A user's program for {@link ProgramLauncherTest}: joins with Cohort.init(), sums rank + 1. */
public final class AllReduceProgram {
  private AllReduceProgram() {}

  public static void main(String[] args) {
    try (ProcessGroup pg = Cohort.init()) {
      float[] x = {pg.rank() + 1f};
      pg.allReduce(x, ReduceOp.SUM);
      System.out.println("rank " + pg.rank() + " of " + pg.size() + ": sum " + x[0]);
    }
  }
}
