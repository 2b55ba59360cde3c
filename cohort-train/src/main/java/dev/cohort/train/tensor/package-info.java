/**
 * Tensor parallelism (Megatron-style): a layer's weights split across the ranks of a tensor group,
 * column-parallel on the output dimension and row-parallel on the input dimension, each shard cut
 * from one full master weight so that one rank and t ranks hold the same model. DJL has no custom
 * autograd functions, so the conjugate f/g operators are graph breaks driven as pipeline stages
 * are: the region's input is a fresh leaf whose gradient is all-reduced (f), and its partial output
 * is all-reduced outside the graph (g), the backward running from the upstream gradient.
 */
package dev.cohort.train.tensor;
