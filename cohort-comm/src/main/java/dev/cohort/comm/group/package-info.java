/**
 * The user-facing API: ProcessGroup, Work, Tensor, ReduceOp, DataType; world formation
 * (Rendezvous) and the default implementation.
 */
package dev.cohort.comm.group;
