/**
 * Data parallelism: the trainer, gradient buckets averaged by zero-copy all-reduce (after the
 * backward pass, or segment by segment during it: {@link dev.cohort.train.ddp.SegmentedBackward}),
 * sharded data parallelism (ZeRO-1: {@link dev.cohort.train.ddp.ShardedUpdate}; ZeRO-2 and 3:
 * {@link dev.cohort.train.ddp.ShardedStep}, cut by {@link dev.cohort.train.ddp.ShardLayout}), the
 * parameter broadcast and cross-rank checksums, evaluation over all ranks, memory accounting, and
 * checkpoints that hold the whole state however it is sharded.
 */
package dev.cohort.train.ddp;
