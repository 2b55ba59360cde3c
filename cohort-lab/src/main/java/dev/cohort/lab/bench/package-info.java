/**
 * Benchmarks that measure Cohort against its peers in the same run: all-reduce against PyTorch gloo
 * ({@code cohort bench comm}) and training throughput against PyTorch DDP ({@code cohort bench
 * train}). Runs alternate between Cohort and the peer and report medians, because this kind of
 * machine is noisy.
 */
package dev.cohort.lab.bench;
