/**
 * The user-facing API: ProcessGroup, Work, Tensor, ReduceOp, DataType; world formation
 * (Rendezvous) and the default implementation.
 */
package dev.cohort.comm.group;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;
