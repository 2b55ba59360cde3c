package dev.cohort.lab.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.DataType;
import dev.cohort.comm.EnvKeys;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One rank of the all-reduce benchmark, in the style of nccl-tests: for each size, warm up, agree
 * on an iteration count that fills the time budget, time the loop, and take the slowest rank's
 * time. Rank 0 writes the results as JSON. Started by {@link CommBench} (one JVM per rank).
 *
 * <p>Arguments: rank size storePort outFile budgetMillis size1,size2,... [zero-copy]; with
 * zero-copy the tensors come from {@link ProcessGroup#allocate}. The transport and algorithm come
 * from the usual COHORT_* environment.
 */
public final class CommBenchWorker {
  private CommBenchWorker() {}

  /**
   * Gets the JIT compiler through the hot paths before anything is timed, as a long training job
   * would be: a few thousand small calls and some large ones. The same count on every rank.
   */
  private static void warmUp(ProcessGroup pg, boolean zeroCopy) {
    int[][] plan = {{1024, 3000}, {16384, 500}, {262144, 50}, {1 << 20, 10}};
    for (int[] step : plan) {
      Tensor t =
          zeroCopy
              ? pg.allocate(DataType.FLOAT32, step[0])
              : Tensor.allocate(DataType.FLOAT32, step[0]);
      for (int i = 0; i < step[1]; i++) {
        pg.allReduce(t, ReduceOp.SUM);
      }
    }
    pg.barrier();
  }

  public static void main(String[] args) throws Exception {
    int rank = Integer.parseInt(args[0]);
    int size = Integer.parseInt(args[1]);
    int port = Integer.parseInt(args[2]);
    Path out = Path.of(args[3]);
    long budgetNanos = Long.parseLong(args[4]) * 1_000_000L;
    long[] sizes = Arrays.stream(args[5].split(",")).mapToLong(Long::parseLong).toArray();
    boolean zeroCopy = args.length > 6 && args[6].equals("zero-copy");
    CommConfig cfg = CommConfig.fromEnvironment();
    List<Map<String, Object>> rows = new ArrayList<>();
    String transport;
    try (ProcessGroup pg =
        ProcessGroups.init(
            cfg,
            new ProcessGroups.Init(
                System.getenv().getOrDefault(EnvKeys.MASTER_ADDR, EnvKeys.DEFAULT_MASTER_ADDR),
                port,
                rank,
                size,
                0,
                rank == 0))) {
      transport = pg.stats().transportTo((rank + 1) % size).label();
      warmUp(pg, zeroCopy);
      Tensor timing = Tensor.allocate(DataType.FLOAT64, 1);
      Tensor iters = Tensor.allocate(DataType.INT32, 1);
      for (long bytes : sizes) {
        Tensor t =
            zeroCopy
                ? pg.allocate(DataType.FLOAT32, (int) (bytes / 4))
                : Tensor.allocate(DataType.FLOAT32, (int) (bytes / 4));
        for (int i = 0; i < t.count(); i++) {
          t.bytes().putFloat(i * 4, 1f);
        }
        // Warm-up: three calls estimate the cost; rank 0 picks the count so that every rank runs
        // the same number of calls (a collective loop must have the same length everywhere).
        long w0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
          pg.allReduce(t, ReduceOp.SUM);
        }
        double perIter = (System.nanoTime() - w0) / 3.0;
        iters.bytes().putInt(0, (int) Math.max(3, Math.min(100_000, budgetNanos / perIter)));
        pg.broadcast(iters, 0);
        int n = iters.bytes().getInt(0);
        for (int i = 0; i < n / 4; i++) {
          pg.allReduce(t, ReduceOp.SUM);
        }
        pg.barrier();
        long wait0 = pg.stats().waitNanos();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          pg.allReduce(t, ReduceOp.SUM);
        }
        double seconds = (System.nanoTime() - t0) / 1e9 / n;
        double waitShare = (pg.stats().waitNanos() - wait0) / 1e9 / n / seconds;
        timing.bytes().putDouble(0, seconds);
        pg.allReduce(timing, ReduceOp.MAX);
        double slowest = timing.bytes().getDouble(0);
        timing.bytes().putDouble(0, waitShare);
        pg.allReduce(timing, ReduceOp.AVG);
        if (rank == 0) {
          Map<String, Object> row = BenchMath.row(bytes, slowest, size, n);
          row.put("wait_share", timing.bytes().getDouble(0)); // mean over ranks
          rows.add(row);
        }
      }
    }
    if (rank == 0) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("impl", "cohort");
      doc.put("np", size);
      doc.put("transport", transport);
      doc.put("algorithm", zeroCopy ? "zero-copy" : cfg.allReduceAlgorithm().configName());
      doc.put("results", rows);
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), doc);
    }
  }
}
