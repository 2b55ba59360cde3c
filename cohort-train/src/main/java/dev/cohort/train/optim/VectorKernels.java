package dev.cohort.train.optim;

import static dev.cohort.train.optim.OptimizerKernels.BETA1;
import static dev.cohort.train.optim.OptimizerKernels.BETA2;
import static dev.cohort.train.optim.OptimizerKernels.EPSILON;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The optimizer's arithmetic on the Vector API at the CPU's preferred width (16 floats with
 * AVX-512), loading and storing straight on the buffers (no copies, no views allocated per call)
 * and on the state arrays. The few elements past the last whole vector go through the same
 * operations one at a time. Each lane does what {@link ScalarKernels} does to its element, in the
 * same order, so the results are bitwise equal: IEEE add, multiply, divide and square root are
 * correctly rounded whether scalar or packed, and nothing is fused.
 *
 * <p>Only {@link OptimizerKernels#vector()} names this class, and only after checking that the
 * incubator module is present. Stateless.
 */
final class VectorKernels implements OptimizerKernels {
  static final VectorKernels INSTANCE = new VectorKernels();

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private VectorKernels() {}

  @Override
  public void adam(
      ByteBuffer wb, ByteBuffer gb, float[] m, float[] v, int from, int to, float lrt) {
    int w0 = checkedBase(wb, to);
    int g0 = checkedBase(gb, to);
    FloatVector b1 = FloatVector.broadcast(SPECIES, BETA1);
    FloatVector c1 = FloatVector.broadcast(SPECIES, 1 - BETA1);
    FloatVector b2 = FloatVector.broadcast(SPECIES, BETA2);
    FloatVector c2 = FloatVector.broadcast(SPECIES, 1 - BETA2);
    FloatVector eps = FloatVector.broadcast(SPECIES, EPSILON);
    FloatVector rate = FloatVector.broadcast(SPECIES, lrt);
    int i = from;
    for (; i <= to - LANES; i += LANES) {
      FloatVector g = FloatVector.fromByteBuffer(SPECIES, gb, g0 + 4 * i, NATIVE);
      // m = b1 m + (1 - b1) g; v = b2 v + ((1 - b2) g) g
      FloatVector mi = b1.mul(FloatVector.fromArray(SPECIES, m, i)).add(c1.mul(g));
      FloatVector vi = b2.mul(FloatVector.fromArray(SPECIES, v, i)).add(c2.mul(g).mul(g));
      mi.intoArray(m, i);
      vi.intoArray(v, i);
      // w -= (lrt m) / (sqrt(v) + eps)
      FloatVector w = FloatVector.fromByteBuffer(SPECIES, wb, w0 + 4 * i, NATIVE);
      w.sub(rate.mul(mi).div(vi.sqrt().add(eps))).intoByteBuffer(wb, w0 + 4 * i, NATIVE);
    }
    for (; i < to; i++) {
      float gi = get(gb, g0 + 4 * i);
      float mi = BETA1 * m[i] + (1 - BETA1) * gi;
      float vi = BETA2 * v[i] + (1 - BETA2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      put(wb, w0 + 4 * i, get(wb, w0 + 4 * i) - lrt * mi / ((float) Math.sqrt(vi) + EPSILON));
    }
  }

  @Override
  public void momentum(
      ByteBuffer wb, ByteBuffer gb, float[] u, int from, int to, float mu, float lr) {
    int w0 = checkedBase(wb, to);
    int g0 = checkedBase(gb, to);
    FloatVector decay = FloatVector.broadcast(SPECIES, mu);
    FloatVector rate = FloatVector.broadcast(SPECIES, lr);
    int i = from;
    for (; i <= to - LANES; i += LANES) {
      // u = mu u + g; w -= lr u
      FloatVector g = FloatVector.fromByteBuffer(SPECIES, gb, g0 + 4 * i, NATIVE);
      FloatVector ui = decay.mul(FloatVector.fromArray(SPECIES, u, i)).add(g);
      ui.intoArray(u, i);
      FloatVector w = FloatVector.fromByteBuffer(SPECIES, wb, w0 + 4 * i, NATIVE);
      w.sub(rate.mul(ui)).intoByteBuffer(wb, w0 + 4 * i, NATIVE);
    }
    for (; i < to; i++) {
      float ui = mu * u[i] + get(gb, g0 + 4 * i);
      u[i] = ui;
      put(wb, w0 + 4 * i, get(wb, w0 + 4 * i) - lr * ui);
    }
  }

  @Override
  public void sgd(ByteBuffer wb, ByteBuffer gb, int from, int to, float lr) {
    int w0 = checkedBase(wb, to);
    int g0 = checkedBase(gb, to);
    FloatVector rate = FloatVector.broadcast(SPECIES, lr);
    int i = from;
    for (; i <= to - LANES; i += LANES) {
      FloatVector g = FloatVector.fromByteBuffer(SPECIES, gb, g0 + 4 * i, NATIVE);
      FloatVector w = FloatVector.fromByteBuffer(SPECIES, wb, w0 + 4 * i, NATIVE);
      w.sub(rate.mul(g)).intoByteBuffer(wb, w0 + 4 * i, NATIVE);
    }
    for (; i < to; i++) {
      put(wb, w0 + 4 * i, get(wb, w0 + 4 * i) - lr * get(gb, g0 + 4 * i));
    }
  }

  @Override
  public String name() {
    return "vector(" + LANES + " floats)";
  }

  /**
   * The byte index of element 0, after checking that the buffer holds {@code to} elements: the
   * scalar kernels fail on a short buffer too, and the loads would fail part way through.
   */
  private static int checkedBase(ByteBuffer b, int to) {
    if (b.remaining() < 4L * to) {
      throw new IndexOutOfBoundsException(
          "buffer of " + b.remaining() / 4 + " floats, the update reaches element " + (to - 1));
    }
    return b.position();
  }

  /** The float at a byte index in native order, whatever the buffer's order. */
  private static float get(ByteBuffer b, int at) {
    int bits = b.getInt(at);
    return Float.intBitsToFloat(b.order() == NATIVE ? bits : Integer.reverseBytes(bits));
  }

  private static void put(ByteBuffer b, int at, float f) {
    int bits = Float.floatToRawIntBits(f);
    b.putInt(at, b.order() == NATIVE ? bits : Integer.reverseBytes(bits));
  }
}
