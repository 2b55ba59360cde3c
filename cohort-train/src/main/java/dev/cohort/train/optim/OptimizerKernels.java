package dev.cohort.train.optim;

import java.nio.ByteBuffer;

/**
 * The arithmetic of one optimizer step over a range of one parameter: Adam, SGD with momentum and
 * plain SGD, reading the gradient and updating the weights where they lie (float32 in native byte
 * order, whatever the buffers' own {@link ByteBuffer#order()}), and the optimizer's state in Java
 * arrays.
 *
 * <p>Element {@code i} of a buffer is the float at byte {@code position() + 4 i}; positions and
 * limits are left as they are. Ranges are {@code [from, to)} in elements. Every implementation
 * gives bitwise the same results: each element follows the same operations in the same order, with
 * no fused multiply-add, so that a run is reproducible whichever one a JVM picks.
 *
 * <p>Thread-safety: an instance from {@link #scalar()} keeps scratch arrays and serves one thread
 * at a time; {@link #vector()}'s is stateless. Disjoint ranges may be updated concurrently.
 */
public interface OptimizerKernels {
  /** Adam's decay of the first moment. */
  float BETA1 = 0.9f;

  /** Adam's decay of the second moment. */
  float BETA2 = 0.999f;

  /** Adam's term that keeps the denominator away from zero. */
  float EPSILON = 1e-8f;

  /**
   * Adam: {@code m = b1 m + (1 - b1) g}, {@code v = b2 v + ((1 - b2) g) g}, {@code w -= (lrt m) /
   * (sqrt(v) + eps)}.
   *
   * @param lrt the step's learning rate with Adam's bias corrections folded in
   */
  void adam(ByteBuffer w, ByteBuffer g, float[] m, float[] v, int from, int to, float lrt);

  /** SGD with momentum, PyTorch's form: {@code u = mu u + g}, {@code w -= lr u}. */
  void momentum(ByteBuffer w, ByteBuffer g, float[] u, int from, int to, float mu, float lr);

  /** Plain SGD: {@code w -= lr g}. */
  void sgd(ByteBuffer w, ByteBuffer g, int from, int to, float lr);

  /** "scalar" or "vector(N floats)", for logs and benchmark tables. */
  String name();

  /**
   * The fastest kernels this JVM can run: {@link #vector()} when the {@code jdk.incubator.vector}
   * module is in the boot layer (the JVM was started with {@code --add-modules
   * jdk.incubator.vector}), else {@link #scalar()}.
   */
  static OptimizerKernels best() {
    return choose(vectorApiPresent());
  }

  /** {@link #vector()} if {@code vectorApi}, else {@link #scalar()}. */
  static OptimizerKernels choose(boolean vectorApi) {
    return vectorApi ? vector() : scalar();
  }

  /** Whether this JVM resolved the {@code jdk.incubator.vector} module at start. */
  static boolean vectorApiPresent() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** Plain Java over blocks copied into arrays (C2 vectorizes some of it); runs on any JVM. */
  static OptimizerKernels scalar() {
    return new ScalarKernels();
  }

  /**
   * SIMD kernels on the Vector API at the CPU's widest vectors.
   *
   * @throws UnsupportedOperationException if the JVM was started without the incubator module
   */
  static OptimizerKernels vector() {
    if (!vectorApiPresent()) {
      throw new UnsupportedOperationException(
          "the vector optimizer kernels need the Vector API: start the JVM with "
              + "--add-modules jdk.incubator.vector");
    }
    // VectorKernels is loaded only here, so that a JVM without the module never links it.
    return VectorKernels.INSTANCE;
  }
}
