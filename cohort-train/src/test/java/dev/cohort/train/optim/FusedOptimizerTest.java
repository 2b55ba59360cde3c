package dev.cohort.train.optim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The optimizer over the MLP's parameters with either kernels, and on a JVM without the module. */
class FusedOptimizerTest {
  /** The MLP's parameters: 784x256 + 256, 256x128 + 128, 128x10 + 10 floats. */
  static final List<Integer> MLP = List.of(784 * 256, 256, 256 * 128, 128, 128 * 10, 10);

  @Test
  void vectorAndScalarKernelsShouldGiveBitwiseTheSameTrainingForEveryOptimizer() {
    for (String name : List.of("adam", "sgd", "momentum")) {
      String optimizer = name.equals("adam") ? "adam" : "sgd";
      float momentum = name.equals("momentum") ? 0.9f : 0f;
      FusedOptimizer scalar =
          new FusedOptimizer(optimizer, momentum, MLP, OptimizerKernels.scalar());
      FusedOptimizer vector =
          new FusedOptimizer(optimizer, momentum, MLP, OptimizerKernels.vector());
      List<ByteBuffer> ws = buffers(1);
      List<ByteBuffer> wv = buffers(1);
      for (int step = 1; step <= 5; step++) {
        List<ByteBuffer> g = buffers(100 + step);
        scalar.step(ws, g, step, 0.01f);
        vector.step(wv, g, step, 0.01f);
      }
      assertThat(vector.kernels()).startsWith("vector(");
      assertThat(scalar.kernels()).isEqualTo("scalar");
      assertThat(ws).as(name).isEqualTo(wv);
      assertThat(vector.state()).as(name).containsOnlyKeys(scalar.state().keySet());
      scalar.state().forEach((k, a) -> assertThat(vector.state().get(k)).as(k).isEqualTo(a));
    }
  }

  @Test
  void stateShouldKeepItsCheckpointNames() {
    assertThat(new FusedOptimizer("adam", 0, List.of(3, 2)).state())
        .containsOnlyKeys(
            "optimizer/first/0", "optimizer/second/0", "optimizer/first/1", "optimizer/second/1");
    assertThat(new FusedOptimizer("sgd", 0.9f, List.of(3)).state())
        .containsOnlyKeys("optimizer/first/0");
    assertThat(new FusedOptimizer("sgd", 0, List.of(3)).state()).isEmpty();
    Map<String, float[]> saved = Map.of("optimizer/first/0", new float[] {1, 2, 3});
    FusedOptimizer o = new FusedOptimizer("sgd", 0.9f, List.of(3));
    o.restore(saved);
    assertThat(o.state().get("optimizer/first/0")).containsExactly(1, 2, 3);
  }

  @Test
  @Timeout(60)
  void aJvmWithoutTheVectorModuleShouldRunTheScalarKernels() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                WithoutVectorModule.class.getName())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(50, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).isEqualTo("scalar 0.9" + System.lineSeparator());
  }

  /** What the JVM above runs: one SGD step from the default constructor. */
  static final class WithoutVectorModule {
    public static void main(String[] args) {
      FusedOptimizer o = new FusedOptimizer("sgd", 0, List.of(1));
      ByteBuffer w = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putFloat(0, 1f);
      ByteBuffer g = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putFloat(0, 1f);
      o.step(List.of(w), List.of(g), 1, 0.1f);
      System.out.println(o.kernels() + " " + w.getFloat(0));
    }
  }

  /** Direct native-order buffers of the MLP's sizes, filled with Gaussian values from a seed. */
  static List<ByteBuffer> buffers(long seed) {
    Random rnd = new Random(seed);
    List<ByteBuffer> list = new ArrayList<>();
    for (int n : MLP) {
      ByteBuffer b = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
      for (int i = 0; i < n; i++) {
        b.putFloat(4 * i, (float) rnd.nextGaussian() * 0.1f);
      }
      list.add(b);
    }
    return list;
  }
}
