package dev.cohort.jmh;

import dev.cohort.train.optim.OptimizerKernels;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Does a second thread pay for Adam's step? The vector kernels over the MLP's parameters, each
 * parameter's range split in two halves: the benchmark thread updates the lower halves while a
 * helper updates the upper ones. {@code spin}: the helper busy-waits for work (the best case, a
 * core kept hot); {@code pool}: it is an ordinary single-thread executor that parks between steps
 * (what a worker could afford beside libtorch's threads).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class SplitAdamBenchmark {
  @Param({"spin", "pool"})
  String helper;

  private final OptimizerKernels kernels = OptimizerKernels.vector();
  private List<ByteBuffer> weights;
  private List<ByteBuffer> grads;
  private float[][] m;
  private float[][] v;
  private int[] mid;
  private int step;
  private float lrt;

  private ExecutorService pool;
  private Thread spinner;
  private volatile int posted;
  private volatile int finished;
  private volatile boolean stop;

  @Setup
  public void setUp() {
    weights = Mlp.buffers(1, 0.1f);
    grads = Mlp.buffers(2, 1f);
    int n = Mlp.SIZES.size();
    m = new float[n][];
    v = new float[n][];
    mid = new int[n];
    for (int p = 0; p < n; p++) {
      m[p] = new float[Mlp.SIZES.get(p)];
      v[p] = new float[Mlp.SIZES.get(p)];
      mid[p] = Mlp.SIZES.get(p) / 2 & ~63; // on a 256-byte bound: no cache line shared
    }
    if (helper.equals("pool")) {
      pool = Executors.newSingleThreadExecutor();
    } else {
      spinner = new Thread(this::spin, "adam-helper");
      spinner.setDaemon(true);
      spinner.start();
    }
  }

  @TearDown
  public void tearDown() throws InterruptedException {
    stop = true;
    if (pool != null) {
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } else {
      spinner.join(10_000);
    }
  }

  @Benchmark
  public void step() throws Exception {
    step++;
    lrt = (float) (1e-6 * Math.sqrt(1 - Math.pow(0.999f, step)) / (1 - Math.pow(0.9f, step)));
    if (pool != null) {
      Future<?> upper = pool.submit(this::upperHalves);
      lowerHalves();
      upper.get();
    } else {
      posted = step; // the volatile write publishes lrt to the spinner
      lowerHalves();
      while (finished != step) {
        Thread.onSpinWait();
      }
    }
  }

  private void spin() {
    int done = 0;
    while (!stop) {
      int p = posted;
      if (p != done) {
        upperHalves();
        done = p;
        finished = p;
      } else {
        Thread.onSpinWait();
      }
    }
  }

  private void lowerHalves() {
    for (int p = 0; p < mid.length; p++) {
      kernels.adam(weights.get(p), grads.get(p), m[p], v[p], 0, mid[p], lrt);
    }
  }

  private void upperHalves() {
    for (int p = 0; p < mid.length; p++) {
      kernels.adam(weights.get(p), grads.get(p), m[p], v[p], mid[p], m[p].length, lrt);
    }
  }
}
