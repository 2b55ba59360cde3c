/**
 * Gradient compression on the wire, as communication hooks on the gradient buckets ({@link
 * dev.cohort.train.compress.CommHook}): 16-bit floats ({@link
 * dev.cohort.train.compress.HalfFloats}) and the all-reduce that sends them while it accumulates in
 * 32 bits ({@link dev.cohort.train.compress.CompressedAllReduce}); PowerSGD's low-rank factors
 * ({@link dev.cohort.train.compress.PowerSgd}) and top-k sparsification ({@link
 * dev.cohort.train.compress.TopK}), both with error feedback ({@link
 * dev.cohort.train.compress.ErrorFeedback}) and their state in checkpoints.
 */
package dev.cohort.train.compress;
