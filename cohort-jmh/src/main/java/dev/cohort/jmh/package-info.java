/**
 * JMH micro-benchmarks of Cohort's hot loops, outside the test build: {@link
 * dev.cohort.jmh.OptimizerBenchmark} (the optimizer step, scalar vs vector kernels), {@link
 * dev.cohort.jmh.SplitAdamBenchmark} (the same over two threads) and {@link
 * dev.cohort.jmh.OptimizerReport}, which runs both and writes {@code docs/benchmarks/optimizer.md}.
 */
package dev.cohort.jmh;
