/**
 * Data parallelism: the trainer, gradient buckets averaged by zero-copy all-reduce (after the
 * backward pass, or segment by segment during it: {@link dev.cohort.train.ddp.SegmentedBackward}),
 * the parameter broadcast and cross-rank checksums, evaluation over all ranks, and checkpoints of a
 * replicated model.
 */
package dev.cohort.train.ddp;
