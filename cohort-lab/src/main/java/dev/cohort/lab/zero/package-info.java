/**
 * {@code cohort bench zero}: what each ZeRO stage costs in speed and saves in memory per worker,
 * against plain data parallelism and PyTorch's DDP and ZeroRedundancyOptimizer.
 */
package dev.cohort.lab.zero;
