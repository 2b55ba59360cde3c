/**
 * Data parallelism: the trainer, gradient buckets averaged by zero-copy all-reduce, the parameter
 * broadcast and cross-rank checksums, evaluation over all ranks, and checkpoints of a replicated
 * model.
 */
package dev.cohort.train.ddp;
