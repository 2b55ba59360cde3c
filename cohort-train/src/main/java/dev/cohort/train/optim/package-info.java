/**
 * Optimizers that update parameters in place on libtorch's memory from the averaged gradient
 * buckets (Adam and SGD with momentum), instead of one DJL call per parameter. {@link
 * dev.cohort.train.optim.FusedOptimizer} holds the state and walks the parameters; {@link
 * dev.cohort.train.optim.OptimizerKernels} is the arithmetic, in two bitwise-equal forms: SIMD on
 * the Vector API ({@code VectorKernels}, when the JVM runs with {@code --add-modules
 * jdk.incubator.vector}) and plain Java ({@code ScalarKernels}, the fallback on any JVM).
 */
package dev.cohort.train.optim;
