/**
 * Blocks for data-parallel training: {@link dev.cohort.train.nn.SyncBatchNorm}, a BatchNorm whose
 * batch statistics span every rank's batch, and {@link dev.cohort.train.nn.BatchStatsSync}, which
 * connects those blocks to a process group and runs the backward pass that keeps their gradients
 * exact.
 */
package dev.cohort.train.nn;
