/**
 * A decoder-only (GPT-style) character-level language model from DJL blocks: token and position
 * embeddings, blocks of causal multi-head self-attention and MLP with LayerNorm, residuals and
 * dropout, and an LM head. {@link dev.cohort.train.model.gpt.Gpt#build} lays it out as a {@code
 * SequentialBlock} of consecutive pieces, so that pipeline stages are runs of its children.
 */
package dev.cohort.train.model.gpt;
