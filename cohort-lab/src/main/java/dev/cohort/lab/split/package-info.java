/**
 * Benchmarks of split layers: {@code cohort bench tensor} (throughput and communication share
 * against the tensor group's size, and the step model's prediction) and {@code cohort bench moe} (a
 * mixture of experts against the dense model: tokens/s, expert load with and without the
 * load-balancing loss, memory in training and in inference).
 */
package dev.cohort.lab.split;
