package dev.cohort.train.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each kernel against an independent element-by-element reference, bit for bit, over sizes around
 * the vector width and the scalar block (2048), for several steps; buffers at an odd position, in
 * either byte order (the kernels read native order whatever the buffer says).
 */
class OptimizerKernelsTest {
  private static final int STEPS = 4;
  private static final int POSITION = 12;

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 7, 15, 16, 17, 31, 33, 2047, 2048, 2049, 4111, 235_146})
  void adamShouldMatchTheReferenceBitForBit(int n) {
    assertThat(run(Op.ADAM, n, OptimizerKernels::scalar)).isEqualTo(reference(Op.ADAM, n));
    assertThat(run(Op.ADAM, n, OptimizerKernels::vector)).isEqualTo(reference(Op.ADAM, n));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 15, 16, 17, 2047, 2049, 235_146})
  void momentumShouldMatchTheReferenceBitForBit(int n) {
    assertThat(run(Op.MOMENTUM, n, OptimizerKernels::scalar)).isEqualTo(reference(Op.MOMENTUM, n));
    assertThat(run(Op.MOMENTUM, n, OptimizerKernels::vector)).isEqualTo(reference(Op.MOMENTUM, n));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 15, 16, 17, 2047, 2049, 235_146})
  void sgdShouldMatchTheReferenceBitForBit(int n) {
    assertThat(run(Op.SGD, n, OptimizerKernels::scalar)).isEqualTo(reference(Op.SGD, n));
    assertThat(run(Op.SGD, n, OptimizerKernels::vector)).isEqualTo(reference(Op.SGD, n));
  }

  @Test
  void aRangeShouldLeaveTheElementsOutsideItAlone() {
    for (Supplier<OptimizerKernels> k :
        java.util.List.<Supplier<OptimizerKernels>>of(
            OptimizerKernels::scalar, OptimizerKernels::vector)) {
      ByteBuffer w = floats(100, 1f);
      ByteBuffer g = floats(100, 1f);
      float[] m = new float[100];
      float[] v = new float[100];
      k.get().adam(w, g, m, v, 3, 41, 0.5f);
      for (int i = 0; i < 100; i++) {
        boolean inside = i >= 3 && i < 41;
        assertThat(m[i] != 0).as("%s m[%d]", k.get().name(), i).isEqualTo(inside);
        assertThat(w.getFloat(4 * i) != 1f).as("%s w[%d]", k.get().name(), i).isEqualTo(inside);
      }
    }
  }

  @Test
  void aBufferShorterThanTheRangeShouldBeRefusedBeforeAnythingChanges() {
    ByteBuffer w = floats(10, 1f);
    ByteBuffer g = floats(9, 1f);
    assertThatThrownBy(() -> OptimizerKernels.vector().sgd(w, g, 0, 10, 0.1f))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(w.getFloat(0)).isEqualTo(1f);
  }

  @Test
  void theJvmOfTheseTestsShouldGetTheVectorKernelsAndTheFallbackWhenAsked() {
    assertThat(OptimizerKernels.vectorApiPresent()).as("surefire's --add-modules").isTrue();
    assertThat(OptimizerKernels.best().name()).startsWith("vector(");
    assertThat(OptimizerKernels.choose(false).name()).isEqualTo("scalar");
    assertThat(OptimizerKernels.choose(true).name()).startsWith("vector(");
  }

  enum Op {
    ADAM,
    MOMENTUM,
    SGD
  }

  /** Final weights and state after STEPS updates with fresh random gradients. */
  private static float[][] run(Op op, int n, Supplier<OptimizerKernels> kernels) {
    OptimizerKernels k = kernels.get();
    Random rnd = new Random(n);
    ByteBuffer w = direct(n, n % 2 == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    ByteBuffer g = direct(n, n % 2 == 0 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    float[] w0 = values(rnd, n, 0.1f);
    write(w, w0);
    float[] m = new float[n];
    float[] v = new float[n];
    for (int s = 1; s <= STEPS; s++) {
      write(g, values(rnd, n, 1f));
      switch (op) {
        case ADAM -> k.adam(w, g, m, v, 0, n, lrt(s));
        case MOMENTUM -> k.momentum(w, g, m, 0, n, 0.9f, 0.05f);
        case SGD -> k.sgd(w, g, 0, n, 0.05f);
      }
    }
    return new float[][] {read(w, n), m, v};
  }

  /** The same updates written out element by element over arrays, in the documented order. */
  private static float[][] reference(Op op, int n) {
    Random rnd = new Random(n);
    float[] w = values(rnd, n, 0.1f);
    float[] m = new float[n];
    float[] v = new float[n];
    for (int s = 1; s <= STEPS; s++) {
      float[] g = values(rnd, n, 1f);
      float lrt = lrt(s);
      for (int i = 0; i < n; i++) {
        switch (op) {
          case ADAM -> {
            m[i] = 0.9f * m[i] + 0.100000024f * g[i];
            v[i] = 0.999f * v[i] + (9.999871E-4f * g[i]) * g[i];
            w[i] = w[i] - (lrt * m[i]) / ((float) Math.sqrt(v[i]) + 1e-8f);
          }
          case MOMENTUM -> {
            m[i] = 0.9f * m[i] + g[i];
            w[i] = w[i] - 0.05f * m[i];
          }
          case SGD -> w[i] = w[i] - 0.05f * g[i];
        }
      }
    }
    return new float[][] {w, m, v};
  }

  private static float lrt(int step) {
    return (float) (1e-3 * Math.sqrt(1 - Math.pow(0.999f, step)) / (1 - Math.pow(0.9f, step)));
  }

  /**
   * Gaussian values of the given scale with awkward ones mixed in: zeros, subnormals, large ones,
   * negative zero.
   */
  private static float[] values(Random rnd, int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] =
          switch (rnd.nextInt(50)) {
            case 0 -> 0f;
            case 1 -> -0f;
            case 2 -> Float.MIN_VALUE * rnd.nextInt(1000);
            case 3 -> (float) rnd.nextGaussian() * 1e4f;
            default -> (float) rnd.nextGaussian() * scale;
          };
    }
    return a;
  }

  /** n floats at byte POSITION of a direct buffer, which says the given order. */
  private static ByteBuffer direct(int n, ByteOrder order) {
    return ByteBuffer.allocateDirect(POSITION + 4 * n).position(POSITION).slice().order(order);
  }

  private static ByteBuffer floats(int n, float value) {
    ByteBuffer b = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) {
      b.putFloat(4 * i, value);
    }
    return b;
  }

  private static void write(ByteBuffer b, float[] a) {
    b.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().put(0, a);
  }

  private static float[] read(ByteBuffer b, int n) {
    float[] a = new float[n];
    b.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(0, a);
    return a;
  }
}
