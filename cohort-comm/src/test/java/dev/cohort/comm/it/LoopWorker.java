package dev.cohort.comm.it;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;

/**
 * A rank process for integration tests: forms a world, prints READY after a few all-reduces, then
 * keeps all-reducing until told to stop by the clock (60 s at most). On failure it prints the error
 * on one line prefixed FAILED and exits with status 3.
 *
 * <p>Arguments: rank size storePort. Configuration comes from COHORT_* variables.
 */
public final class LoopWorker {
  private LoopWorker() {}

  public static void main(String[] args) {
    int rank = Integer.parseInt(args[0]);
    int size = Integer.parseInt(args[1]);
    int port = Integer.parseInt(args[2]);
    long end = System.nanoTime() + 60_000_000_000L;
    try (ProcessGroup pg =
        ProcessGroups.init(
            CommConfig.fromEnvironment(),
            new ProcessGroups.Init("127.0.0.1", port, rank, size, 0, rank == 0))) {
      Tensor t = Tensor.allocate(DataType.FLOAT32, 1 << 20);
      int i = 0;
      while (System.nanoTime() < end) {
        pg.allReduce(t, ReduceOp.SUM);
        if (++i == 5) {
          System.out.println("READY");
          System.out.flush();
        }
      }
    } catch (RuntimeException e) {
      System.err.println("FAILED " + e.getMessage().replace('\n', ' '));
      System.err.flush();
      System.exit(3);
    }
  }
}
