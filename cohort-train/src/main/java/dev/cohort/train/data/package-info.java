/**
 * Data: the Fashion-MNIST IDX reader, in-memory datasets, the distributed sampler that gives each
 * rank its contiguous slice of every global batch, batch building into input tensors that live
 * across steps, and shifted test sets for out-of-distribution checks.
 */
package dev.cohort.train.data;
