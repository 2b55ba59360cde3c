package dev.cohort.jmh;

import dev.cohort.train.optim.FusedOptimizer;
import dev.cohort.train.optim.OptimizerKernels;
import java.nio.ByteBuffer;
import java.util.List;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@link FusedOptimizer#step} over the MLP's 235,146 parameters, as a worker runs it after each
 * all-reduce, with the scalar and the vector kernels. The forked JVM gets the Vector API module, as
 * Cohort's workers do; the scalar rows ask for the scalar kernels explicitly.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class OptimizerBenchmark {
  @Param({"scalar", "vector"})
  String kernels;

  @Param({"adam", "momentum", "sgd"})
  String optimizer;

  private FusedOptimizer opt;
  private List<ByteBuffer> weights;
  private List<ByteBuffer> grads;
  private int step;

  @Setup
  public void setUp() {
    OptimizerKernels k =
        kernels.equals("vector") ? OptimizerKernels.vector() : OptimizerKernels.scalar();
    float momentum = optimizer.equals("momentum") ? 0.9f : 0f;
    opt = new FusedOptimizer(optimizer.equals("adam") ? "adam" : "sgd", momentum, Mlp.SIZES, k);
    weights = Mlp.buffers(1, 0.1f);
    grads = Mlp.buffers(2, 1f);
  }

  @Benchmark
  public void step() {
    // A small learning rate keeps the weights far from overflow over millions of steps.
    opt.step(weights, grads, ++step, 1e-6f);
  }
}
